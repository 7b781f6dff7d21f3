//! DecodeDiagnosticMessage: turns the `EncodedDiagnosticMessage` of a denial back into its
//! explanation (ram.md 6.9).

use super::wire::{DecodeDiagnosticMessage, DecodedDiagnosticMessage, DiagnosticAnswer};
use crate::actions::Context;
use crate::failure::Result;
use localyun_core::error::RamError;
use localyun_core::{AccessDenied, ApiError};
use localyun_store::Txn;

pub fn decode_diagnostic_message(req: DecodeDiagnosticMessage, cx: &Context<'_>, _txn: &mut dyn Txn) -> Result<DiagnosticAnswer> {
    // Only the account that was denied may read why.
    let d = AccessDenied::decode(&req.encoded_diagnostic_message)
        .filter(|d| d.account_id == cx.account())
        .ok_or_else(|| ApiError::from(RamError::DiagnosticMessage))?;
    Ok(DiagnosticAnswer { decoded_diagnostic_message: DecodedDiagnosticMessage::of(d) })
}
