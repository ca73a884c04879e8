//! Command line of the `cardsim` binary (hand-parsed: a handful of flags).

use crate::fault::Fault;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "usage:
  cardsim --card cns|cie|bank [--variant NAME] [--pin PIN] [--puk PUK] [--vpcd HOST:PORT]
          [--stats FILE] [--state FILE] [--trace] [--fault NAME] [--expired-certificate]
          [--certificate FILE]
          [--slow MS]
  cardsim --list-variants

  --card cns|cie|bank  card family: TS-CNS or CIE 3.0 (CIE PIN and PUK: exactly 8 digits), or
                    a bank card (EMV: neither, every SELECT answered 6A82)
  --variant NAME    variant of the family (default: the first listed by --list-variants)
  --pin PIN         user PIN, 5-8 digits (default 12345678)
  --puk PUK         PUK, 5-8 digits (default 87654321)
  --vpcd HOST:PORT  where vsmartcard-vpcd listens (default 127.0.0.1:35963)
  --stats FILE      rewrite FILE after every APDU with 'apdus=N bytes_in=N bytes_out=N'
                    (CIE: plus ' pin_tries=N puk_tries=M')
  --state FILE      keep PIN/PUK values and retry counters in FILE across restarts: read at
                    start (absent = fresh card; overrides --pin/--puk), rewritten after each change
  --trace           print every APDU to stderr (PIN data masked)
  --fault NAME      misbehave on purpose, for tests: corrupt-signature (one bit of every
                    holder signature flipped), short-signature (its first byte dropped)
  --expired-certificate  TS-CNS (default variant): its certificate expired on 2025-01-01
  --certificate FILE  TS-CNS: this DER certificate (for the variant's key) instead of its own
  --slow MS         answer every APDU MS milliseconds late (a slow chip or reader), so that
                    tests can pull the card while an operation is under way";

pub const DEFAULT_VPCD: &str = "127.0.0.1:35963";

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    ListVariants,
    Help,
    // Boxed: the run arguments dwarf the other variants (clippy::large_enum_variant).
    Run(Box<RunArgs>),
}

#[derive(Debug, PartialEq, Eq)]
pub struct RunArgs {
    pub card: String,
    pub variant: Option<String>,
    pub pin: String,
    pub puk: String,
    pub vpcd: String,
    pub stats: Option<PathBuf>,
    pub state: Option<PathBuf>,
    pub trace: bool,
    pub fault: Option<Fault>,
    pub expired_certificate: bool,
    pub certificate: Option<PathBuf>,
    /// `--slow`: the delay before every APDU answer.
    pub slow: Duration,
}

pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Action, String> {
    let mut it = args.into_iter();
    let mut card = None;
    let mut run = RunArgs {
        card: String::new(),
        variant: None,
        pin: "12345678".into(),
        puk: "87654321".into(),
        vpcd: DEFAULT_VPCD.into(),
        stats: None,
        state: None,
        trace: false,
        fault: None,
        expired_certificate: false,
        certificate: None,
        slow: Duration::ZERO,
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--list-variants" => return Ok(Action::ListVariants),
            "-h" | "--help" => return Ok(Action::Help),
            "--card" => card = Some(value("--card")?),
            "--variant" => run.variant = Some(value("--variant")?),
            "--pin" => run.pin = value("--pin")?,
            "--puk" => run.puk = value("--puk")?,
            "--vpcd" => run.vpcd = value("--vpcd")?,
            "--stats" => run.stats = Some(PathBuf::from(value("--stats")?)),
            "--state" => run.state = Some(PathBuf::from(value("--state")?)),
            "--trace" => run.trace = true,
            "--expired-certificate" => run.expired_certificate = true,
            "--certificate" => run.certificate = Some(PathBuf::from(value("--certificate")?)),
            "--fault" => run.fault = Some(Fault::parse(&value("--fault")?)?),
            "--slow" => {
                let ms = value("--slow")?;
                let ms: u64 = ms
                    .parse()
                    .map_err(|_| format!("--slow {ms:?}: milliseconds"))?;
                run.slow = Duration::from_millis(ms);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    run.card = card.ok_or("--card is required")?;
    Ok(Action::Run(Box::new(run)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses() {
        assert_eq!(parse(args("--list-variants")), Ok(Action::ListVariants));
        let Ok(Action::Run(r)) = parse(args(
            "--card cns --variant stincard-1024 --pin 11111 --trace --state /tmp/s",
        )) else {
            panic!()
        };
        assert_eq!(r.variant.as_deref(), Some("stincard-1024"));
        assert_eq!(r.state, Some(PathBuf::from("/tmp/s")));
        assert_eq!(
            (r.pin.as_str(), r.trace, r.vpcd.as_str()),
            ("11111", true, DEFAULT_VPCD)
        );
        assert!(parse(args("--card")).is_err());
        assert!(parse(args("--bogus")).is_err());
        let Ok(Action::Run(r)) = parse(args("--card cie --slow 250")) else {
            panic!()
        };
        assert_eq!(r.slow, Duration::from_millis(250));
        assert!(parse(args("--card cie --slow soon")).is_err());
        let Ok(Action::Run(r)) = parse(args("--card cie --fault short-signature")) else {
            panic!()
        };
        assert_eq!(r.fault, Some(Fault::ShortSignature));
        assert!(parse(args("--card cie --fault melt")).is_err());
        assert!(parse(args("")).is_err());
    }
}
