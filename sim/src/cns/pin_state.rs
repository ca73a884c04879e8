//! The CNS PIN and PUK as `--state` keeps them across restarts (crate::state): values and retry
//! counters, nothing volatile (a restart is a power cycle: no PIN stays verified).

use super::pin::PinObject;
use crate::state::PinState;

pub fn save(pin: &PinObject, puk: &PinObject) -> PinState {
    let (pin_value, pin_tries) = pin.snapshot();
    let (puk_value, puk_tries) = puk.snapshot();
    PinState {
        pin: pin_value,
        pin_tries,
        puk: puk_value,
        puk_tries,
    }
}

pub fn restore(pin: &mut PinObject, puk: &mut PinObject, state: &PinState) -> Result<(), String> {
    pin.restore(&state.pin, state.pin_tries)
        .ok_or("state file: PIN must be 5 to 8 digits with at most 3 tries")?;
    puk.restore(&state.puk, state.puk_tries)
        .ok_or("state file: PUK must be 5 to 8 digits with at most 10 tries")?;
    Ok(())
}
