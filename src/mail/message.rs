//! An outbox row as an e-mail: UTF-8 text, the attachment if any, and a `Message-ID` made
//! from the row's id so that every attempt carries the same one.

use std::time::SystemTime;

use chrono::{TimeZone, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::db::outbox::OutboxMessage;

/// The stable `Message-ID` of an outbox row.
pub fn message_id(outbox_id: &str, domain: &str) -> String {
    format!("<{outbox_id}@{domain}>")
}

/// Builds the message. An error is a property of the row (an address that does not parse)
/// and is recorded as the attempt's error.
pub(super) fn build(
    row: &OutboxMessage,
    from: &Mailbox,
    id_domain: &str,
) -> Result<Message, String> {
    let to: Mailbox = row
        .to_address
        .parse()
        .map_err(|e| format!("mottagarens adress \"{}\": {e}", row.to_address))?;
    // The time the message was written, not the attempt: every attempt is the same message.
    let date = SystemTime::from(Utc.from_utc_datetime(&row.created_at));
    let builder = Message::builder()
        .message_id(Some(message_id(&row.id, id_domain)))
        .date(date)
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone());
    let text = SinglePart::plain(row.body_text.clone());
    let built = match &row.attachment {
        None => builder.singlepart(text),
        Some(content) => {
            let content_type = row
                .attachment_content_type
                .as_deref()
                .and_then(|ct| ContentType::parse(ct).ok())
                .or_else(|| ContentType::parse("application/octet-stream").ok())
                .ok_or_else(|| "bilagans innehållstyp".to_string())?;
            let filename = row
                .attachment_name
                .clone()
                .filter(|name| !name.trim().is_empty())
                .unwrap_or_else(|| "bilaga".to_string());
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(filename).body(content.clone(), content_type)),
            )
        }
    };
    built.map_err(|e| format!("meddelandet kunde inte byggas: {e}"))
}
