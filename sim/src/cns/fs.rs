//! The card's file tree (docs/cards/cns.md §2.1): DFs and transparent EFs addressed by FID, and
//! paths written as FID lists starting with the MF `3F00`. What lives where per variant: `layout.rs`.

pub const MF: u16 = 0x3F00;

#[derive(Debug, Clone)]
pub enum Node {
    Df {
        fid: u16,
        children: Vec<Node>,
        /// Access-condition bytes of tag `86` when the DF has its own (§2.3); `None` = the card default.
        acs: Option<[u8; 9]>,
    },
    Ef {
        fid: u16,
        data: Vec<u8>,
    },
}

/// A DF with the default access conditions.
pub fn df(fid: u16, children: Vec<Node>) -> Node {
    Node::Df {
        fid,
        children,
        acs: None,
    }
}

/// A transparent EF.
pub fn ef(fid: u16, data: Vec<u8>) -> Node {
    Node::Ef { fid, data }
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
            mf: df(MF, mf_children),
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
