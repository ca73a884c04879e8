//! The doctor's output: one line per check, a verdict and, on a problem, what to do.

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Ok,
    /// A fact, nothing wrong (an empty second reader, a CIE's PIN the chip does not tell).
    Info,
    /// Works today, needs attention soon (a certificate about to expire, a PIN try spent).
    Warning,
    /// Something keeps the login from working: the exit status is 1.
    Problem,
}

pub struct Report {
    pub lang: Lang,
    worst: Verdict,
}

impl Report {
    pub fn new(lang: Lang) -> Report {
        Report {
            lang,
            worst: Verdict::Ok,
        }
    }

    /// Prints one check at once (a slow card shows progress): `[tag] subject: text → todo`.
    pub fn line(&mut self, verdict: Verdict, subject: &str, text: &str, todo: Option<&str>) {
        self.worst = self.worst.max(verdict);
        let l = self.lang;
        let tag = match verdict {
            Verdict::Ok => "ok",
            Verdict::Info => "info",
            Verdict::Warning => l.pick("attenzione", "warning"),
            Verdict::Problem => l.pick("problema", "problem"),
        };
        match todo {
            Some(todo) => println!("[{tag}] {subject}: {text} → {todo}"),
            None => println!("[{tag}] {subject}: {text}"),
        }
    }

    /// A bilingual line: `pick(it, en)` of the subject, text and todo.
    pub fn say(
        &mut self,
        verdict: Verdict,
        subject: &str,
        text: (&str, &str),
        todo: Option<(&str, &str)>,
    ) {
        let l = self.lang;
        let text = l.pick(text.0, text.1);
        let todo = todo.map(|(it, en)| l.pick(it, en));
        self.line(verdict, subject, text, todo);
    }

    /// All well: nothing worse than a warning.
    pub fn all_well(&self) -> bool {
        self.worst < Verdict::Problem
    }
}
