//! File control parameters / information returned by SELECT (ISO/IEC 7816-4 §7.4.3,
//! tags `62` FCP and `6F` FCI; CNS cards answer `6F`, cns.md §2.3).

use super::tlv::{self, TlvError, TlvIter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FcpError {
    Tlv(TlvError),
    /// Not a `62` / `6F` template.
    NotATemplate,
    /// A size field of zero or more than eight bytes.
    BadSize,
}

impl From<TlvError> for FcpError {
    fn from(e: TlvError) -> Self {
        FcpError::Tlv(e)
    }
}

error_named_by_variant!(FcpError);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileControl {
    /// Tag `80`: bytes of data in a transparent EF.
    pub data_size: Option<usize>,
    /// Tag `81`: total bytes the file occupies.
    pub total_size: Option<usize>,
    /// Tag `82`, first byte: the file descriptor byte.
    pub descriptor: Option<u8>,
    /// Tag `83`.
    pub file_id: Option<u16>,
    /// Tag `84`.
    pub df_name: Option<Vec<u8>>,
    /// Tag `86`: proprietary security attributes (9 AC bytes on CNS, cns.md §2.3).
    pub security_attributes: Option<Vec<u8>>,
    /// Tag `8A`.
    pub lifecycle: Option<u8>,
}

impl FileControl {
    /// The size to read: tag `80`, else `81`.
    pub fn size(&self) -> Option<usize> {
        self.data_size.or(self.total_size)
    }

    /// Descriptor `xx111xxx` marks a DF (ISO 7816-4 table 12).
    pub fn is_df(&self) -> bool {
        self.descriptor.is_some_and(|d| d & 0x38 == 0x38)
    }
}

/// Parses the response data of a SELECT with FCP / FCI requested.
pub fn parse(input: &[u8]) -> Result<FileControl, FcpError> {
    let (template, _) = tlv::parse_one(input)?;
    if template.tag != 0x62 && template.tag != 0x6F {
        return Err(FcpError::NotATemplate);
    }
    let mut fc = FileControl::default();
    for item in TlvIter::new(template.value) {
        let item = item?;
        match item.tag {
            0x80 => fc.data_size = Some(size(item.value)?),
            0x81 => fc.total_size = Some(size(item.value)?),
            0x82 => fc.descriptor = item.value.first().copied(),
            0x83 => {
                if let [hi, lo] = item.value {
                    fc.file_id = Some(u16::from_be_bytes([*hi, *lo]));
                }
            }
            0x84 => fc.df_name = Some(item.value.to_vec()),
            0x86 => fc.security_attributes = Some(item.value.to_vec()),
            0x8A => fc.lifecycle = item.value.first().copied(),
            _ => {}
        }
    }
    Ok(fc)
}

fn size(bytes: &[u8]) -> Result<usize, FcpError> {
    if bytes.is_empty() || bytes.len() > 8 {
        return Err(FcpError::BadSize);
    }
    let value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    usize::try_from(value).map_err(|_| FcpError::BadSize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ace_2025_ef_1102() {
        // cns.md §2.3 example.
        let mut fci = vec![
            0x6F, 0x38, 0x80, 0x02, 0x01, 0x90, 0x82, 0x03, 0x01, 0x00, 0x00, 0x83, 0x02, 0x11,
            0x02, 0x85, 0x01, 0x01, 0x86, 0x09, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0x8A, 0x01, 0x05, 0xCB, 0x18,
        ];
        fci.extend([0xFF; 0x18]);
        let fc = parse(&fci).unwrap();
        assert_eq!(fc.size(), Some(400));
        assert_eq!(fc.file_id, Some(0x1102));
        assert_eq!(fc.descriptor, Some(0x01));
        assert!(!fc.is_df());
        assert_eq!(fc.lifecycle, Some(5));
        assert_eq!(fc.security_attributes.as_deref().map(<[u8]>::len), Some(9));
    }

    #[test]
    fn fcp_with_total_size_only() {
        let fc = parse(&[0x62, 0x07, 0x81, 0x02, 0x07, 0x5D, 0x82, 0x01, 0x38]).unwrap();
        assert_eq!(fc.size(), Some(0x75D));
        assert!(fc.is_df());
    }

    #[test]
    fn malformed() {
        assert_eq!(parse(&[]), Err(FcpError::Tlv(TlvError::Truncated)));
        assert_eq!(parse(&[0x70, 0x00]), Err(FcpError::NotATemplate));
        assert_eq!(parse(&[0x6F, 0x02, 0x80, 0x00]), Err(FcpError::BadSize));
        assert_eq!(
            parse(&[0x6F, 0x04, 0x80, 0x05, 0x01, 0x02]),
            Err(FcpError::Tlv(TlvError::Truncated))
        );
        assert_eq!(
            parse(&[0x6F, 0x05, 0x80]),
            Err(FcpError::Tlv(TlvError::Truncated))
        );
    }
}
