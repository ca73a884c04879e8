//! `cie-cns`: what a citizen with a CIE 3.0 or a TS-CNS needs besides the browser: a doctor
//! that says why a login does not work, the module's registration in the browsers, and the PIN
//! and PUK (change, unblock) through the module, as any application of it.

mod browsers;
mod certificate;
mod doctor;
mod lang;
mod module_path;
mod nss;
mod pin;
mod register;
mod token;
mod tries;

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
    /// The card's PIN and PUK: tries left, change the PIN, unblock it with the PUK
    Pin {
        #[command(subcommand)]
        action: PinCommand,
        /// The reader of the card (part of its name), when more than one card is in
        #[arg(long, global = true, value_name = "NAME")]
        reader: Option<String>,
    },
}

#[derive(Subcommand)]
enum PinCommand {
    /// Tries left of the PIN and PUK, as far as the card tells them without a try
    Status,
    /// Change the PIN: current PIN, new PIN twice (from standard input, one a line, when it is not a terminal)
    Change,
    /// Unblock the PIN with the PUK and set a new one: PUK, new PIN twice
    Unblock,
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
        Command::Pin { action, reader } => {
            let action = match action {
                PinCommand::Status => pin::Action::Status,
                PinCommand::Change => pin::Action::Change,
                PinCommand::Unblock => pin::Action::Unblock,
            };
            exit(pin::run(lang, &module, reader.as_deref(), action))
        }
        Command::Doctor => {
            let home = browsers::Home::from_env();
            exit(doctor::run(lang, &module, home.as_ref()))
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
            exit(run.run().is_ok())
        }
    }
}

fn exit(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
