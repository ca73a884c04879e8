//! Object management (PKCS#11 3.0 §5.7): search and attribute reading. The functions that
//! would change the token are in unsupported.rs.

use super::answer;
use crate::cryptoki::module;
use crate::cryptoki::{AttributeLookup, Rv};
use crate::ffi::marshal;
use crate::ffi::out_buffer::{fit, Fit};
use crate::ffi::ptr::{slice_mut, ulong_of, usize_of, write};
use cryptoki_sys::*;

/// Writes C_GetAttributeValue's results into the caller's template (§5.7.5): every
/// attribute is processed, the first per-attribute error is returned.
///
/// # Safety
/// Each non-NULL pValue is valid for writing ulValueLen bytes.
unsafe fn fill_template(
    template: &mut [CK_ATTRIBUTE],
    values: Vec<AttributeLookup>,
) -> Result<(), Rv> {
    let mut result = Ok(());
    for (attribute, value) in template.iter_mut().zip(values) {
        let outcome = match value {
            AttributeLookup::Invalid => Err(Rv(CKR_ATTRIBUTE_TYPE_INVALID)),
            AttributeLookup::Sensitive => Err(Rv(CKR_ATTRIBUTE_SENSITIVE)),
            AttributeLookup::Value(bytes) => {
                let capacity = if attribute.pValue.is_null() {
                    None
                } else {
                    Some(usize_of(attribute.ulValueLen)?)
                };
                match fit(capacity, bytes.len()) {
                    Fit::TooSmall => Err(Rv::BUFFER_TOO_SMALL),
                    Fit::LengthOnly => Ok(()),
                    Fit::Fits => {
                        // SAFETY: pValue is non-NULL and valid for ulValueLen ≥ bytes.len()
                        // bytes (this function's contract); caller memory never overlaps ours.
                        unsafe {
                            std::ptr::copy_nonoverlapping(
                                bytes.as_ptr(),
                                attribute.pValue as *mut u8,
                                bytes.len(),
                            )
                        };
                        Ok(())
                    }
                }
                .and_then(|()| {
                    attribute.ulValueLen = ulong_of(bytes.len())?;
                    Ok(())
                })
            }
        };
        if let Err(rv) = outcome {
            attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            result = result.and(Err(rv));
        }
    }
    result
}

ck_fn!(C_GetObjectSize => get_object_size(CK_SESSION_HANDLE, CK_OBJECT_HANDLE, *mut CK_ULONG));

/// C_GetObjectSize (§5.7.4): the bytes of the object's readable attribute values.
unsafe fn get_object_size(
    h_session: CK_SESSION_HANDLE,
    h_object: CK_OBJECT_HANDLE,
    pul_size: *mut CK_ULONG,
) -> Result<(), Rv> {
    // SAFETY: `pul_size` is NULL or valid for writing a CK_ULONG.
    unsafe { answer(pul_size, |i| ulong_of(i.object_size(h_session, h_object)?)) }
}

ck_fn!(C_GetAttributeValue => get_attribute_value(CK_SESSION_HANDLE, CK_OBJECT_HANDLE, *mut CK_ATTRIBUTE, CK_ULONG));

/// C_GetAttributeValue (§5.7.5): every attribute processed; per attribute, an unknown
/// type or a sensitive value gets CK_UNAVAILABLE_INFORMATION (CKR_ATTRIBUTE_TYPE_INVALID
/// / CKR_ATTRIBUTE_SENSITIVE), a NULL pValue gets the length, a small buffer
/// CK_UNAVAILABLE_INFORMATION (CKR_BUFFER_TOO_SMALL). The first such code is returned.
unsafe fn get_attribute_value(
    h_session: CK_SESSION_HANDLE,
    h_object: CK_OBJECT_HANDLE,
    p_template: *mut CK_ATTRIBUTE,
    ul_count: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_template` is NULL or valid for `ul_count` attributes, read and written.
    let template = unsafe { slice_mut(p_template, ul_count) }?;
    let types: Vec<_> = template.iter().map(|a| a.type_).collect();
    let values = instance.attribute_values(h_session, h_object, &types)?;
    // SAFETY: each non-NULL pValue of the template is valid for ulValueLen bytes (§5.7.5).
    unsafe { fill_template(template, values) }
}

ck_fn!(C_FindObjectsInit => find_objects_init(CK_SESSION_HANDLE, *mut CK_ATTRIBUTE, CK_ULONG));

/// C_FindObjectsInit (§5.7.7): objects whose attributes equal every template entry;
/// private ones only after login.
unsafe fn find_objects_init(
    h_session: CK_SESSION_HANDLE,
    p_template: *mut CK_ATTRIBUTE,
    ul_count: CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    // SAFETY: `p_template` is NULL or valid for `ul_count` attributes, each value for its length.
    let template = unsafe { marshal::template(p_template, ul_count) }?;
    instance.find_init(h_session, &template)
}

ck_fn!(C_FindObjects => find_objects(CK_SESSION_HANDLE, *mut CK_OBJECT_HANDLE, CK_ULONG, *mut CK_ULONG));

/// C_FindObjects (§5.7.8).
unsafe fn find_objects(
    h_session: CK_SESSION_HANDLE,
    ph_object: *mut CK_OBJECT_HANDLE,
    ul_max_object_count: CK_ULONG,
    pul_object_count: *mut CK_ULONG,
) -> Result<(), Rv> {
    let instance = module::instance()?;
    if ph_object.is_null() || pul_object_count.is_null() {
        return Err(Rv::ARGUMENTS_BAD);
    }
    let found = instance.find_next(h_session, usize_of(ul_max_object_count)?)?;
    // SAFETY: `ph_object` is non-NULL (checked) and holds `ul_max_object_count` handles
    // (§5.7.8); `found` has no more.
    unsafe { std::ptr::copy_nonoverlapping(found.as_ptr(), ph_object, found.len()) };
    // SAFETY: `pul_object_count` is NULL or valid for writing one value (NULL is refused).
    unsafe { write(pul_object_count, ulong_of(found.len())?) }
}

ck_fn!(C_FindObjectsFinal => find_objects_final(CK_SESSION_HANDLE));

/// C_FindObjectsFinal (§5.7.9).
unsafe fn find_objects_final(h_session: CK_SESSION_HANDLE) -> Result<(), Rv> {
    module::instance()?.find_final(h_session)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(type_: CK_ATTRIBUTE_TYPE, buffer: Option<&mut [u8]>) -> CK_ATTRIBUTE {
        let (value, len) = match buffer {
            Some(b) => (b.as_mut_ptr() as *mut std::ffi::c_void, b.len() as CK_ULONG),
            None => (std::ptr::null_mut(), 0),
        };
        CK_ATTRIBUTE {
            type_,
            pValue: value,
            ulValueLen: len,
        }
    }

    #[test]
    fn template_length_protocol_processes_every_attribute() {
        let mut fits = [0u8; 4];
        let mut small = [0u8; 1];
        let mut template = [
            attribute(CKA_LABEL, None),
            attribute(CKA_ID, Some(&mut fits)),
            attribute(CKA_VALUE, Some(&mut small)),
            attribute(CKA_PRIVATE_EXPONENT, None),
            attribute(0xdead, None),
        ];
        let values = vec![
            AttributeLookup::Value(b"label".to_vec()),
            AttributeLookup::Value(vec![1, 2]),
            AttributeLookup::Value(vec![3, 4, 5]),
            AttributeLookup::Sensitive,
            AttributeLookup::Invalid,
        ];
        // SAFETY: every pValue is NULL or a buffer of ulValueLen bytes.
        let rv = unsafe { fill_template(&mut template, values) };
        assert_eq!(rv, Err(Rv::BUFFER_TOO_SMALL), "the first error");
        let lens: Vec<_> = template.iter().map(|a| a.ulValueLen).collect();
        assert_eq!(
            lens,
            vec![
                5,
                2,
                CK_UNAVAILABLE_INFORMATION,
                CK_UNAVAILABLE_INFORMATION,
                CK_UNAVAILABLE_INFORMATION
            ]
        );
        assert_eq!(&fits[..2], &[1, 2]);
        assert_eq!(small, [0]);
    }

    #[test]
    fn template_errors_in_order() {
        let mut template = [
            attribute(0xdead, None),
            attribute(CKA_PRIVATE_EXPONENT, None),
        ];
        let values = vec![AttributeLookup::Invalid, AttributeLookup::Sensitive];
        // SAFETY: every pValue is NULL.
        let rv = unsafe { fill_template(&mut template, values) };
        assert_eq!(rv, Err(Rv(CKR_ATTRIBUTE_TYPE_INVALID)));
        let mut ok = [attribute(CKA_TOKEN, None)];
        // SAFETY: every pValue is NULL.
        let rv = unsafe { fill_template(&mut ok, vec![AttributeLookup::Value(vec![1])]) };
        assert_eq!((rv, ok[0].ulValueLen), (Ok(()), 1));
    }
}
