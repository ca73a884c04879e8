//! The language of the messages: Italian when the locale is Italian, English otherwise.

/// A language the tool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    It,
    En,
}

impl Lang {
    /// From this process's locale variables.
    pub fn from_env() -> Lang {
        Lang::from_vars(|name| std::env::var(name).ok())
    }

    /// POSIX order: `LC_ALL` overrides `LC_MESSAGES`, which overrides `LANG`; an empty
    /// variable counts as unset.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| get(name).filter(|value| !value.is_empty()));
        match locale {
            Some(value) if value.starts_with("it") => Lang::It,
            _ => Lang::En,
        }
    }

    /// The text in this language.
    pub fn pick<T>(self, it: T, en: T) -> T {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(vars: &[(&str, &str)]) -> Lang {
        Lang::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn lc_all_then_lc_messages_then_lang() {
        assert_eq!(lang(&[]), Lang::En);
        assert_eq!(lang(&[("LANG", "it_IT.UTF-8")]), Lang::It);
        assert_eq!(
            lang(&[("LANG", "it_IT.UTF-8"), ("LC_MESSAGES", "C")]),
            Lang::En
        );
        assert_eq!(
            lang(&[("LANG", "en_US"), ("LC_MESSAGES", "it_CH")]),
            Lang::It
        );
        assert_eq!(
            lang(&[("LC_ALL", "C.UTF-8"), ("LC_MESSAGES", "it_IT")]),
            Lang::En
        );
        assert_eq!(lang(&[("LC_ALL", ""), ("LANG", "it_IT")]), Lang::It);
    }
}
