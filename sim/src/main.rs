//! `cardsim`: plug a virtual card into pcscd through vsmartcard-vpcd.

use cardsim::card::{self, CardOptions};
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
        Ok(cli::Action::Run(r)) => r,
        Err(e) => {
            eprintln!("cardsim: {e}\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let opts = CardOptions {
        pin: run.pin.clone(),
        puk: run.puk.clone(),
    };
    let mut card = match card::build(&run.card, run.variant.as_deref(), &opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cardsim: {e}");
            return ExitCode::from(2);
        }
    };
    let vopts = vpcd::Options {
        addr: run.vpcd,
        connect_timeout: CONNECT_TIMEOUT,
        stats: run.stats,
        trace: run.trace,
    };
    match vpcd::run(card.as_mut(), &vopts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cardsim: vpcd {}: {e}", vopts.addr);
            ExitCode::FAILURE
        }
    }
}
