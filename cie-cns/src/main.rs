//! `cie-cns`: what a citizen with a CIE 3.0 or a TS-CNS needs besides the browser: a doctor
//! that says why a login does not work, the module's registration in the browsers, and the PIN
//! and PUK (change, unblock) through the module, as any application of it.

mod browsers;
mod certificate;
mod doctor;
mod lang;
mod module_path;
mod nss;
mod register;
mod token;

use clap::{Parser, Subcommand};
use lang::Lang;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cie-cns",
    version,
    about = "CIE 3.0 and TS-CNS: doctor, browser registration, PIN and PUK"
)]
struct Cli {
    /// The PKCS#11 module (default: the installed one)
    #[arg(long, global = true, value_name = "FILE")]
    module: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check PC/SC, the readers, the card and the browsers; say what to do
    Doctor,
    /// Add the module to this user's browsers (Firefox profiles, Chromium)
    Register {
        /// Take the module out again
        #[arg(long)]
        remove: bool,
        /// Print nothing but errors (for the desktop-login autostart)
        #[arg(long, short)]
        quiet: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::from_env();
    let module = match cli.module {
        // Absolute, so a browser started from another directory finds it.
        Some(path) => std::path::absolute(&path).unwrap_or(path),
        None => module_path::installed(),
    };
    match cli.command {
        Command::Doctor => {
            let home = browsers::Home::from_env();
            if doctor::run(lang, &module, home.as_ref()) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Register { remove, quiet } => {
            let Some(home) = browsers::Home::from_env() else {
                eprintln!("{}", lang.pick("HOME non impostata", "HOME is not set"));
                return ExitCode::FAILURE;
            };
            let action = if remove {
                register::Action::Remove
            } else {
                register::Action::Add
            };
            let run = register::Register {
                home: &home,
                module: &module,
                action,
                lang,
                quiet,
            };
            match run.run() {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
    }
}
