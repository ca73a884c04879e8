//! What an application sees of a token's identity, in a process of its own (issue #10, "A
//! stable token"; tests/token_identity.rs): loads the module with the `cryptoki` crate as any
//! application does, and prints the token's label, serial, model and manufacturer and the
//! labels of its certificates, once before and once after a user login.
//!
//! ```text
//! token_identity MODULE READER PIN
//! before.label=CIE 123456789012
//! before.serial=…
//! …
//! after.certificates=ROSSI MARIO
//! ```
//! Exit status 0 when every call succeeded, 1 (with the error on stderr) otherwise.

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

type Failure = Box<dyn std::error::Error>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [module, reader, pin] = args.as_slice() else {
        eprintln!("usage: token_identity MODULE READER PIN");
        std::process::exit(2);
    };
    if let Err(e) = run(module, reader, pin) {
        eprintln!("token_identity: {e}");
        std::process::exit(1);
    }
}

fn run(module: &str, reader: &str, pin: &str) -> Result<(), Failure> {
    let pkcs11 = Pkcs11::new(module)?;
    pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))?;
    let slot = slot_of(&pkcs11, reader)?;
    let session = pkcs11.open_ro_session(slot)?;
    print_identity(&pkcs11, slot, &session, "before")?;
    session.login(UserType::User, Some(&AuthPin::new(pin.into())))?;
    print_identity(&pkcs11, slot, &session, "after")?;
    session.logout()?;
    Ok(())
}

fn slot_of(pkcs11: &Pkcs11, reader: &str) -> Result<Slot, Failure> {
    for slot in pkcs11.get_slots_with_token()? {
        if pkcs11.get_slot_info(slot)?.slot_description().trim_end() == reader {
            return Ok(slot);
        }
    }
    Err(format!("no token in reader {reader:?}").into())
}

fn print_identity(
    pkcs11: &Pkcs11,
    slot: Slot,
    session: &cryptoki::session::Session,
    when: &str,
) -> Result<(), Failure> {
    let token = pkcs11.get_token_info(slot)?;
    println!("{when}.label={}", token.label().trim_end());
    println!("{when}.serial={}", token.serial_number().trim_end());
    println!("{when}.model={}", token.model().trim_end());
    println!("{when}.manufacturer={}", token.manufacturer_id().trim_end());
    let mut labels = Vec::new();
    for object in session.find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])? {
        for attribute in session.get_attributes(object, &[AttributeType::Label])? {
            if let Attribute::Label(bytes) = attribute {
                labels.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    println!("{when}.certificates={}", labels.join(","));
    Ok(())
}
