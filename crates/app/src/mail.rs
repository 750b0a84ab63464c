//! Sending the mail queue over SMTP (lettre). A sender claims due mails with a lease, sends
//! each with a Message-ID made from its queue id (a receiver that sees it twice knows), marks
//! it sent only while it holds the lease, and gives a failed one back with a backoff. Mails
//! wait in the database while the server is down: nothing is lost and, once marked sent,
//! nothing is sent again after a restart.

use crate::{AppError, AppResult};
use hoctap_store::Store;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long a claim holds: longer than a send can take (the transport times out sooner).
const LEASE_SECONDS: i64 = 120;

/// The wait before the next attempt after `attempts` failures: 30 s doubling, at most 6 hours.
pub fn backoff_seconds(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    30i64.saturating_mul(2i64.saturating_pow(exp)).min(6 * 3600)
}

/// An SMTP relay and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// This sender's name on its leases.
    owner: String,
}

/// What one pass of the sender did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
}

impl Mailer {
    /// `smtp://host:port` (plain, for a relay on the machine or the network's own) and the
    /// From address.
    pub fn new(smtp_url: &str, from: &str) -> AppResult<Self> {
        let bad = || AppError::invalid("smtp-url", "Địa chỉ máy chủ thư phải có dạng smtp://máy:cổng (ví dụ smtp://127.0.0.1:25)");
        let rest = smtp_url.strip_prefix("smtp://").ok_or_else(bad)?.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
            None => (rest, 25),
        };
        if host.is_empty() || host.contains(['/', '@', '?']) {
            return Err(bad());
        }
        // A relay without TLS: on the machine or inside the operator's network.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.trim_matches(['[', ']']))
            .port(port)
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse::<Mailbox>().map_err(|e| AppError::invalid("mail-from", format!("Địa chỉ người gửi không hợp lệ: {e}")))?;
        Ok(Self { transport, from, owner: crate::secret::random_token(12) })
    }

    fn message(&self, id: i64, to: &str, subject: &str, body: &str) -> Result<Message, String> {
        let to = to.parse::<Mailbox>().map_err(|e| e.to_string())?;
        let domain = self.from.email.domain().to_string();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<hoctap-{id}@{domain}>")))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())
    }
}

fn ts(t: jiff::Timestamp) -> String {
    t.round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default()
}

fn after(now: jiff::Timestamp, secs: i64) -> String {
    ts(now.checked_add(jiff::SignedDuration::from_secs(secs)).unwrap_or(now))
}

/// Sends every mail due at `now`; returns what was sent and what failed (tried again later).
#[inline(never)]
pub fn send_due<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    mailer: &'l2 Mailer,
    now: jiff::Timestamp,
) -> crate::BoxFut<'fut, AppResult<SendReport>> {
    Box::pin(async move {
        let mut report = SendReport::default();
        loop {
            let batch = store.mail_claim(&mailer.owner, &ts(now), &after(now, LEASE_SECONDS), 50).await?;
            if batch.is_empty() {
                return Ok(report);
            }
            for m in batch {
                let sent = match mailer.message(m.id, &m.to_addr, &m.subject, &m.body) {
                    Ok(msg) => mailer.transport.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                match sent {
                    Ok(()) => {
                        store.mail_sent(m.id, &mailer.owner).await?;
                        report.sent += 1;
                    }
                    Err(e) => {
                        tracing::warn!(mail = m.id, attempts = m.attempts, error = %e, "gửi thư chưa được, sẽ thử lại");
                        store.mail_failed(m.id, &mailer.owner, &e, &after(now, backoff_seconds(m.attempts))).await?;
                        report.failed += 1;
                    }
                }
            }
        }
    })
}

/// Queues the daily digests due on `day`: one mail per user in digest mode listing the
/// notifications since their last digest.
#[inline(never)]
pub fn queue_digests<'fut, 'l1: 'fut>(store: &'l1 Store, day: jiff::civil::Date) -> crate::BoxFut<'fut, AppResult<usize>> {
    Box::pin(async move {
        let day_text = day.to_string();
        let mut queued = 0;
        for d in store.digests_due(&day_text).await? {
            let mut body = format!("Thông báo mới trên Hoctap ({}):\n", hoctap_domain::date::format_vn(day));
            for n in &d.items {
                body.push_str(&format!("\n- {}\n  {}\n", n.subject, n.body.replace('\n', "\n  ")));
            }
            let subject = format!("Tổng hợp {} thông báo ngày {}", d.items.len(), hoctap_domain::date::format_vn(day));
            if store.digest_enqueue(&d, &day_text, &subject, &body).await? {
                queued += 1;
            }
        }
        Ok(queued)
    })
}

/// The background worker of `hoctap serve`: every `every`, the day's reminders (once per
/// user and key), the digests from 07:00 Vietnam time, then the queue.
#[inline(never)]
pub fn run<'fut>(store: Store, mailer: Option<Mailer>, every: std::time::Duration) -> crate::BoxFut<'fut, ()> {
    Box::pin(async move {
        loop {
            let now = jiff::Timestamp::now();
            let today = hoctap_store::today();
            if let Err(e) = crate::notify::remind(&store, today).await {
                tracing::error!(error = %e, "nhắc hạn không chạy được");
            }
            if let Some(m) = &mailer {
                let hour = now.to_zoned_datetime(hoctap_store::vn_tz()).hour();
                if hour >= 7
                    && let Err(e) = queue_digests(&store, today).await
                {
                    tracing::error!(error = %e, "không lập được thư tổng hợp");
                }
                match send_due(&store, m, now).await {
                    Ok(r) if r.sent + r.failed > 0 => tracing::info!(sent = r.sent, failed = r.failed, "hàng đợi thư"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "hàng đợi thư lỗi"),
                }
            }
            tokio::time::sleep(every).await;
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_six_hours() {
        assert_eq!(super::backoff_seconds(1), 30);
        assert_eq!(super::backoff_seconds(2), 60);
        assert_eq!(super::backoff_seconds(4), 240);
        assert_eq!(super::backoff_seconds(30), 6 * 3600);
    }
}
