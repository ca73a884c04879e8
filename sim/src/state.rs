//! `cardsim --state FILE`: the PIN and PUK values and retry counters survive a restart of the card
//! process, so a test can stop the card, start it again and find the same counters (issue "Virtual
//! cards keep their PIN state across commands and, with --state FILE, across restarts").
//!
//! FILE is text, one `key=value` per line, `#` comments; written atomically (temp file + rename)
//! after every change, read at start; an absent file is a fresh card:
//!
//! ```text
//! # cardsim PIN state (test only: values in clear)
//! card=cns
//! variant=cardos
//! pin=12345678
//! pin_tries=3
//! puk=87654321
//! puk_tries=10
//! ```
//! A file written for another card or variant is refused (exit 2), never silently reused.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What a card keeps across restarts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinState {
    pub pin: String,
    pub pin_tries: u8,
    pub puk: String,
    pub puk_tries: u8,
}

/// The state file of one card/variant.
#[derive(Debug, Clone)]
pub struct StateFile {
    pub path: PathBuf,
    pub card: String,
    pub variant: String,
}

impl StateFile {
    pub fn render(&self, s: &PinState) -> String {
        format!(
            "# cardsim PIN state (test only: values in clear)\ncard={}\nvariant={}\npin={}\npin_tries={}\npuk={}\npuk_tries={}\n",
            self.card, self.variant, s.pin, s.pin_tries, s.puk, s.puk_tries
        )
    }

    /// Parse a file's text; errors name the problem.
    pub fn parse(&self, text: &str) -> Result<PinState, String> {
        let get = |key: &str| -> Result<String, String> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .filter_map(|l| l.split_once('='))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().to_string())
                .ok_or_else(|| format!("state file {}: no {key}=", self.path.display()))
        };
        let (card, variant) = (get("card")?, get("variant")?);
        if card != self.card || variant != self.variant {
            return Err(format!(
                "state file {} is for {card}/{variant}, not {}/{}",
                self.path.display(),
                self.card,
                self.variant
            ));
        }
        let number = |key: &str, v: String| {
            v.parse::<u8>()
                .map_err(|_| format!("state file: {key}={v} is not a number"))
        };
        Ok(PinState {
            pin: get("pin")?,
            pin_tries: number("pin_tries", get("pin_tries")?)?,
            puk: get("puk")?,
            puk_tries: number("puk_tries", get("puk_tries")?)?,
        })
    }

    /// The saved state, `None` if the file does not exist (a fresh card).
    pub fn load(&self) -> Result<Option<PinState>, String> {
        match fs::read_to_string(&self.path) {
            Ok(text) => self.parse(&text).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("state file {}: {e}", self.path.display())),
        }
    }

    /// Replace the file atomically (temp file in the same directory + rename).
    pub fn save(&self, s: &PinState) -> io::Result<()> {
        let tmp = temp_path(&self.path);
        fs::write(&tmp, self.render(s))?;
        fs::rename(&tmp, &self.path)
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    path.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: PathBuf) -> StateFile {
        StateFile {
            path,
            card: "cns".into(),
            variant: "cardos".into(),
        }
    }

    #[test]
    fn round_trip_and_refusals() {
        let dir = std::env::temp_dir().join(format!("cardsim-state-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let f = file(dir.join("s"));
        assert_eq!(f.load(), Ok(None));
        let s = PinState {
            pin: "55555".into(),
            pin_tries: 1,
            puk: "87654321".into(),
            puk_tries: 9,
        };
        f.save(&s).unwrap();
        assert_eq!(f.load(), Ok(Some(s.clone())));
        let other = StateFile {
            variant: "athena".into(),
            ..f.clone()
        };
        assert!(other.load().is_err());
        assert!(f.parse("card=cns\nvariant=cardos\npin=1\n").is_err());
        assert!(f
            .parse("card=cns\nvariant=cardos\npin=12345\npin_tries=x\npuk=12345\npuk_tries=1")
            .is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
