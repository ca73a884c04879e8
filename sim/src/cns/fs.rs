//! The card's file tree (shared/cards/cns.md §2.1): DFs and transparent EFs addressed by FID, and
//! paths written as FID lists starting with the MF `3F00`.

pub const MF: u16 = 0x3F00;

#[derive(Debug, Clone)]
pub enum Node {
    Df { fid: u16, children: Vec<Node> },
    Ef { fid: u16, data: Vec<u8> },
}

impl Node {
    pub fn fid(&self) -> u16 {
        match self {
            Node::Df { fid, .. } | Node::Ef { fid, .. } => *fid,
        }
    }

    pub fn is_df(&self) -> bool {
        matches!(self, Node::Df { .. })
    }

    fn child(&self, fid: u16) -> Option<&Node> {
        match self {
            Node::Df { children, .. } => children.iter().find(|c| c.fid() == fid),
            Node::Ef { .. } => None,
        }
    }
}

/// A whole card file system, rooted at the MF.
#[derive(Debug, Clone)]
pub struct FileSystem {
    mf: Node,
}

impl FileSystem {
    pub fn new(mf_children: Vec<Node>) -> Self {
        FileSystem {
            mf: Node::Df {
                fid: MF,
                children: mf_children,
            },
        }
    }

    /// The node at an absolute path (`[3F00, ...]`).
    pub fn get(&self, path: &[u16]) -> Option<&Node> {
        let (first, rest) = path.split_first()?;
        if *first != MF {
            return None;
        }
        rest.iter().try_fold(&self.mf, |node, fid| node.child(*fid))
    }

    /// Absolute path of the child `fid` of the DF at `df`, if it exists.
    pub fn child_of(&self, df: &[u16], fid: u16) -> Option<Vec<u16>> {
        self.get(df)?.child(fid)?;
        let mut p = df.to_vec();
        p.push(fid);
        Some(p)
    }
}

/// The classic TS-CNS layout (§2.1) with the given content.
pub fn cns_layout(
    id_carta: &[u8],
    cert_file: Vec<u8>,
    dati_personali: &[u8],
    pubkey: Vec<u8>,
) -> FileSystem {
    FileSystem::new(vec![
        Node::Df {
            fid: 0x1000,
            children: vec![Node::Ef {
                fid: 0x1003,
                data: id_carta.to_vec(),
            }],
        },
        Node::Df {
            fid: 0x1100,
            children: vec![
                Node::Ef {
                    fid: 0x1101,
                    data: cert_file,
                },
                Node::Ef {
                    fid: 0x1102,
                    data: dati_personali.to_vec(),
                },
            ],
        },
        // Public key of the authentication key as PKCS#1 RSAPublicKey; OpenSC's itacns reads it.
        Node::Ef {
            fid: 0x3F01,
            data: pubkey,
        },
    ])
}
