//! Host-side RSA signature padding for chips that do raw RSA. TODO.
