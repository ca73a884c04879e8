//! APDU budgets per operation (issue #12), asserted by tests/apdu_budgets.rs through the real
//! stack and reported by `scripts/bench`: one place, so the test and the table agree.
//! Counted by the virtual card (`cardsim --stats`); the virtual cards are the facts sheets'.

/// CIE (bit4id-2023, 2048-bit group and keys), `pkcs11-tool --login --sign`, a fresh process
/// with the public-data cache warm: bind 3 + key agreement 4 + mutual authentication 10 +
/// VERIFY 1 + signature 3. The floor: nothing of it can go without losing a check.
pub const CIE_WARM_LOGIN_SIGN: u64 = 21;
/// The same, first time ever (cache empty): + DH parameters and CA key 8, EF 1004 3, and the
/// certificate under secure messaging 6.
pub const CIE_COLD_LOGIN_SIGN: u64 = 38;
/// Listing public objects of a known CIE (`pkcs11-tool -O`): the bind only.
pub const CIE_WARM_LISTING: u64 = 3;
/// Secure messaging rebuilt after another application used the card (no reset): key
/// agreement 4 + mutual authentication 10 + VERIFY 1 with the kept PIN.
pub const CIE_REBUILD: u64 = 15;
/// The C_Sign that finds the session lost: the refused MSE SET, the rebuild, the signature.
pub const CIE_SIGN_AFTER_ANOTHER_APPLICATION: u64 = 1 + CIE_REBUILD + 3;
/// TS-CNS (ST 2021), `pkcs11-tool -L` with the cache warm: SELECT + READ of EF_IDCarta, the
/// empty VERIFY of the retry counter.
pub const CNS_WARM_LISTING: u64 = 3;
/// The same, first time: + certificate 2, EF_DatiPersonali 2.
pub const CNS_COLD_LISTING: u64 = 7;
/// TS-CNS `--login --sign`, cache warm: listing 3 + VERIFY 1 + MSE RESTORE, MSE SET, PSO 3.
pub const CNS_WARM_LOGIN_SIGN: u64 = 7;
