//! Where the codes come from: typed hidden at a terminal, one prompt a line ending in ':' as
//! `passwd`'s; from standard input, one a line, when it is not a terminal (scripts). Never from
//! the arguments (they show in `ps` and the shell history). Every code is wiped on drop.

use std::io::{BufRead, IsTerminal};
use zeroize::Zeroizing;

pub type Secret = Zeroizing<String>;

pub enum Input {
    Terminal,
    Lines(std::io::StdinLock<'static>),
}

#[derive(Debug)]
pub enum InputError {
    /// Standard input ended before the code.
    Ended,
    Io(std::io::Error),
}

impl Input {
    pub fn from_stdin() -> Input {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            Input::Terminal
        } else {
            Input::Lines(stdin.lock())
        }
    }

    /// One code; `prompt` is shown only at a terminal (on the terminal itself).
    pub fn read(&mut self, prompt: &str) -> Result<Secret, InputError> {
        match self {
            Input::Terminal => rpassword::prompt_password(format!("{prompt} "))
                .map(Zeroizing::new)
                .map_err(InputError::Io),
            Input::Lines(stdin) => {
                let mut line = Zeroizing::new(String::new());
                match stdin.read_line(&mut line) {
                    Ok(0) => Err(InputError::Ended),
                    Ok(_) => {
                        let code = line.trim_end_matches(['\n', '\r']);
                        Ok(Zeroizing::new(code.to_string()))
                    }
                    Err(e) => Err(InputError::Io(e)),
                }
            }
        }
    }
}
