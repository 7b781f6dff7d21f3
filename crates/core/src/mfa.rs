//! Virtual MFA devices: their names, keys and one-time codes. A device's key is a random seed
//! shown base32-encoded (`Base32StringSeed`) and as a QR code of its `otpauth://` URI
//! (`QRCodePNG`); its codes are RFC 6238 TOTP as authenticator apps compute them (HMAC-SHA1,
//! 6 digits, 30-second steps), by the `totp-rs` crate. BindMFADevice proves the user holds the
//! key with two consecutive codes (RAM API reference, BindMFADevice: "two consecutive
//! verification codes").

use crate::error::{ApiError, GatewayError, RamError};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

/// Bytes of a device's seed: 40, the 64 base32 characters of the API reference's example key.
pub const SEED_BYTES: usize = 40;
/// Devices per account (RAM error center, LimitExceeded.VirtualMFADevice: "The maximum number of
/// virtual MFA devices allowed is 100").
pub const MAX_DEVICES_PER_ACCOUNT: usize = 100;
/// VirtualMFADeviceName: 1 to 64 characters (CreateVirtualMFADevice).
const NAME_MAX: usize = 64;
const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;

/// CreateVirtualMFADevice's `VirtualMFADeviceName`: letters, digits and hyphens, 1 to 64 of
/// them (API reference); the error center's `.Length` and `.InvalidChars` codes.
pub fn check_device_name(name: &str) -> Result<(), ApiError> {
    const PARAM: &str = "VirtualMFADeviceName";
    if name.is_empty() {
        return Err(GatewayError::missing(PARAM).into());
    }
    if name.chars().count() > NAME_MAX {
        return Err(RamError::MfaNameLength.into());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(RamError::MfaNameChars.into());
    }
    Ok(())
}

/// A device's serial number, its ARN without region: `acs:ram::<account>:mfa/<name>`.
pub fn serial_number(account: &str, name: &str) -> String {
    format!("acs:ram::{account}:mfa/{name}")
}

/// The device name a serial number of `account` names; `None` for anything else (another
/// account's device, or no serial number at all: both are a device that does not exist).
pub fn device_name<'a>(account: &str, serial: &'a str) -> Option<&'a str> {
    let rest = serial.strip_prefix("acs:ram:")?;
    // The region part is empty in serial numbers; policies' ARNs write `*`.
    let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix("*:"))?;
    rest.strip_prefix(account)?.strip_prefix(":mfa/").filter(|n| !n.is_empty())
}

/// `AuthenticationCode1`/`2`: six digits (error center: InvalidParameter.AuthenticationCode.Format,
/// "MUST be 6 numbers").
pub fn check_code(code: &str) -> Result<(), ApiError> {
    if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(RamError::AuthenticationCodeFormat.into())
    }
}

/// RFC 4648 base32 without padding, as authenticator apps take keys.
pub fn seed_base32(seed: &[u8]) -> String {
    totp_rs::Secret::Raw(seed.to_vec()).to_encoded().to_string()
}

/// The seed of a base32 key made by [`seed_base32`].
pub fn seed_bytes(base32: &str) -> Option<Vec<u8>> {
    totp_rs::Secret::Encoded(base32.to_string()).to_bytes().ok()
}

fn totp(seed: &[u8]) -> TOTP {
    // Unchecked: the seed length is ours (SEED_BYTES, above RFC 4226's 128-bit minimum).
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS, seed.to_vec())
}

/// The code an authenticator app shows at `unix_seconds`.
pub fn code_at(seed: &[u8], unix_seconds: u64) -> String {
    totp(seed).generate(unix_seconds)
}

/// Whether `code1` and `code2` are the codes of two consecutive steps, the second one being the
/// step of `now` or one of the two before it (the user read both codes and then sent them), or
/// the next one (a clock a little ahead). Compared in constant time.
pub fn consecutive_codes(seed: &[u8], code1: &str, code2: &str, now: u64) -> bool {
    let totp = totp(seed);
    let current = now / STEP_SECONDS;
    let mut found = false;
    for second in current.saturating_sub(2)..=current + 1 {
        let Some(first) = second.checked_sub(1) else { continue };
        let a = totp.generate(first * STEP_SECONDS);
        let b = totp.generate(second * STEP_SECONDS);
        let both = a.as_bytes().ct_eq(code1.as_bytes()) & b.as_bytes().ct_eq(code2.as_bytes());
        found |= bool::from(both);
    }
    found
}

/// The `otpauth://` URI of a device's key, as authenticator apps scan it. The label is
/// `<device>@<account>`: the device is not bound to a user yet when it is made.
pub fn provisioning_uri(account: &str, name: &str, base32: &str) -> String {
    format!("otpauth://totp/{name}@{account}?secret={base32}&issuer=Aliyun&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}")
}

/// A PNG picture of the QR code of `text` (black modules on white, 4 pixels each, with the
/// standard quiet zone of 4 modules).
pub fn qr_png(text: &str) -> Option<Vec<u8>> {
    use qrcodegen::{QrCode, QrCodeEcc};
    const SCALE: usize = 4;
    const BORDER: i32 = 4;
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let modules = usize::try_from(qr.size() + 2 * BORDER).ok()?;
    let side = modules * SCALE;
    let mut pixels = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / SCALE) as i32 - BORDER, (y / SCALE) as i32 - BORDER);
            pixels.push(if qr.get_module(mx, my) { 0u8 } else { 255u8 });
        }
    }
    let mut out = Vec::new();
    let side32 = u32::try_from(side).ok()?;
    let mut encoder = png::Encoder::new(&mut out, side32, side32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&pixels).ok()?;
    writer.finish().ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 key "12345678901234567890" (the last 6 of its 8 digits).
    #[test]
    fn rfc6238_vectors() {
        let seed = b"12345678901234567890";
        for (time, code) in [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (20_000_000_000, "353130")] {
            assert_eq!(code_at(seed, time), code, "at {time}");
        }
    }

    #[test]
    fn consecutive_codes_window() {
        let seed = [7u8; SEED_BYTES];
        let now = 1_700_000_015;
        let at = |step: u64| code_at(&seed, step * 30);
        let cur = now / 30;
        assert!(consecutive_codes(&seed, &at(cur - 1), &at(cur), now));
        assert!(consecutive_codes(&seed, &at(cur - 3), &at(cur - 2), now));
        assert!(consecutive_codes(&seed, &at(cur), &at(cur + 1), now));
        // Too old, too new, swapped, the same code twice, a code of another key.
        assert!(!consecutive_codes(&seed, &at(cur - 4), &at(cur - 3), now));
        assert!(!consecutive_codes(&seed, &at(cur + 1), &at(cur + 2), now));
        assert!(!consecutive_codes(&seed, &at(cur), &at(cur - 1), now));
        assert!(!consecutive_codes(&seed, &at(cur), &at(cur), now) || at(cur) == at(cur + 1));
        assert!(!consecutive_codes(&[8u8; SEED_BYTES], &at(cur - 1), &at(cur), now));
    }

    #[test]
    fn seeds_round_trip_base32() {
        let seed: Vec<u8> = (0..SEED_BYTES as u8).collect();
        let text = seed_base32(&seed);
        assert_eq!(text.len(), 64);
        assert!(text.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        assert_eq!(seed_bytes(&text), Some(seed));
    }

    #[test]
    fn names_serials_and_codes() {
        assert!(check_device_name("device-001").is_ok());
        assert_eq!(check_device_name(&"a".repeat(65)).unwrap_err().code, "InvalidParameter.VirtualMFADeviceName.Length");
        assert_eq!(check_device_name("dev_1").unwrap_err().code, "InvalidParameter.VirtualMFADeviceName.InvalidChars");
        assert_eq!(serial_number("123", "d1"), "acs:ram::123:mfa/d1");
        assert_eq!(device_name("123", "acs:ram::123:mfa/d1"), Some("d1"));
        assert_eq!(device_name("123", "acs:ram:*:123:mfa/d1"), Some("d1"));
        assert_eq!(device_name("123", "acs:ram::456:mfa/d1"), None);
        assert_eq!(device_name("123", "d1"), None);
        assert!(check_code("012345").is_ok());
        for bad in ["12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(check_code(bad).unwrap_err().code, "InvalidParameter.AuthenticationCode.Format");
        }
    }

    #[test]
    fn qr_is_a_png() {
        let png = qr_png(&provisioning_uri("123", "d1", &seed_base32(&[1u8; SEED_BYTES]))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
}
