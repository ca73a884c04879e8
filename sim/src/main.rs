//! `cardsim`: plug a virtual card into pcscd through vsmartcard-vpcd.

use cardsim::card::{self, CardOptions};
use cardsim::state::StateFile;
use cardsim::{cli, vpcd};
use std::process::ExitCode;
use std::time::Duration;

/// How long to wait for vpcd (pcscd starting in parallel with us).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let run = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Action::ListVariants) => {
            for v in card::variants() {
                let default = if v.default { " (default)" } else { "" };
                println!("{} {}{}\t{}", v.card, v.variant, default, v.description);
            }
            return ExitCode::SUCCESS;
        }
        Ok(cli::Action::Help) => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(cli::Action::Run(r)) => *r,
        Err(e) => {
            eprintln!("cardsim: {e}\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let certificate = match run.certificate.as_ref().map(std::fs::read).transpose() {
        Ok(der) => der,
        Err(e) => {
            eprintln!("cardsim: --certificate: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = CardOptions {
        pin: run.pin.clone(),
        puk: run.puk.clone(),
        fault: run.fault,
        expired_certificate: run.expired_certificate,
        certificate,
    };
    let mut card = match card::build(&run.card, run.variant.as_deref(), &opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cardsim: {e}");
            return ExitCode::from(2);
        }
    };
    let state = match run
        .state
        .map(|path| restore_state(card.as_mut(), &run.card, run.variant, path))
    {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            eprintln!("cardsim: {e}");
            return ExitCode::from(2);
        }
    };
    let vopts = vpcd::Options {
        addr: run.vpcd,
        connect_timeout: CONNECT_TIMEOUT,
        stats: run.stats,
        state,
        trace: run.trace,
        answer_delay: run.slow,
    };
    match vpcd::run(card.as_mut(), &vopts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cardsim: vpcd {}: {e}", vopts.addr);
            ExitCode::FAILURE
        }
    }
}

/// `--state FILE`: put back the saved PIN state, if the file exists (state.rs).
fn restore_state(
    card: &mut dyn card::VirtualCard,
    family: &str,
    variant: Option<String>,
    path: std::path::PathBuf,
) -> Result<StateFile, String> {
    let variant = variant
        .or_else(|| card::default_variant(family).map(String::from))
        .ok_or("no variant")?;
    let file = StateFile {
        path,
        card: family.into(),
        variant,
    };
    if let Some(saved) = file.load()? {
        card.restore_pin_state(&saved)?;
    }
    Ok(file)
}
