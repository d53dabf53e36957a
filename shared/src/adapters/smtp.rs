//! Email for the local server through an SMTP relay (Mailpit, MailHog, a company relay on
//! the same network): one connection per message, `EHLO`, `MAIL FROM`, `RCPT TO`, `DATA`
//! with a `multipart/alternative` text + HTML body, `QUIT`. Plain SMTP without STARTTLS
//! or AUTH: point it at a relay you trust on the local network, not across the internet
//! (the cloud build sends through SES instead).
use crate::domain::notification::EmailMessage;
use crate::domain::org::Email;
use crate::ports::transport::{EmailSender, TransportError};
use async_trait::async_trait;
use chrono::Utc;
use std::fmt::Write as _;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The longest an SMTP reply line may be (RFC 5321 says 512; we allow slack).
const MAX_REPLY_LINE: usize = 2048;
/// The longest an encoded body line may be (RFC 5322: 998 characters; QP keeps 76).
const QP_LINE: usize = 76;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `host:port` of the relay.
    pub relay: String,
    pub from: Email,
    /// The deadline of one whole message (connect to QUIT).
    pub timeout: Duration,
}

impl SmtpConfig {
    /// From `TOKIFLOW_SMTP_RELAY` (`host:port`) and `TOKIFLOW_SMTP_FROM`; `None` when no
    /// relay is set (mail then goes to the mailbox directory).
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, crate::config::error::ConfigError> {
        let Some(relay) = get("TOKIFLOW_SMTP_RELAY").filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        if !relay.contains(':') || relay.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(crate::config::error::ConfigError {
                var: "TOKIFLOW_SMTP_RELAY",
                reason: format!("{relay:?} is not host:port"),
            });
        }
        let from = get("TOKIFLOW_SMTP_FROM").unwrap_or_else(|| "tokiflow@tokiflow.local".into());
        let from = Email::new(&from)
            .map_err(|e| crate::config::error::ConfigError { var: "TOKIFLOW_SMTP_FROM", reason: e.to_string() })?;
        Ok(Some(Self { relay, from, timeout: Duration::from_secs(20) }))
    }
}

pub struct SmtpEmail {
    config: SmtpConfig,
}

impl SmtpEmail {
    pub fn new(config: SmtpConfig) -> Self {
        Self { config }
    }

    async fn send(&self, message: &EmailMessage) -> Result<(), TransportError> {
        let stream = TcpStream::connect(&self.config.relay)
            .await
            .map_err(|e| TransportError::Unreachable(format!("smtp {}: {e}", self.config.relay)))?;
        let mut conn = Conn { io: BufReader::new(stream) };
        conn.expect(220).await?;
        conn.command("EHLO tokiflow.local", 250).await?;
        conn.command(&format!("MAIL FROM:<{}>", self.config.from), 250).await?;
        conn.command(&format!("RCPT TO:<{}>", message.to), 250).await?;
        conn.command("DATA", 354).await?;
        let data = mime(&self.config.from, message, &uuid::Uuid::now_v7().simple().to_string());
        conn.write(&dot_stuffed(&data)).await?;
        conn.command(".", 250).await?;
        // The message is accepted; a relay that hangs up before QUIT's reply changes nothing.
        let _ = conn.command("QUIT", 221).await;
        Ok(())
    }
}

#[async_trait]
impl EmailSender for SmtpEmail {
    async fn send_email(&self, message: &EmailMessage) -> Result<(), TransportError> {
        let timeout = self.config.timeout;
        tokio::time::timeout(timeout, self.send(message)).await.map_err(|_| TransportError::Timeout(timeout))?
    }
}

struct Conn {
    io: BufReader<TcpStream>,
}

impl Conn {
    async fn write(&mut self, bytes: &str) -> Result<(), TransportError> {
        self.io.get_mut().write_all(bytes.as_bytes()).await.map_err(broken)
    }

    async fn command(&mut self, line: &str, want: u16) -> Result<(), TransportError> {
        self.write(&format!("{line}\r\n")).await?;
        self.expect(want).await
    }

    /// Reads one (possibly multi-line) reply and checks its code: 4xx is worth retrying,
    /// 5xx is the relay refusing the message.
    async fn expect(&mut self, want: u16) -> Result<(), TransportError> {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let n = (&mut self.io).take(MAX_REPLY_LINE as u64).read_line(&mut line).await.map_err(broken)?;
            if n == 0 {
                return Err(TransportError::Unreachable("smtp: the relay closed the connection".into()));
            }
            let line = line.trim_end();
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let Some(code) = code else {
                return Err(TransportError::Unavailable(format!("smtp: unreadable reply {line:?}")));
            };
            text.push_str(line.get(4..).unwrap_or_default());
            if line.as_bytes().get(3) == Some(&b'-') {
                text.push(' ');
                continue;
            }
            return match code {
                c if c == want => Ok(()),
                400..=499 => Err(TransportError::Unavailable(format!("smtp {code}: {text}"))),
                _ => Err(TransportError::Rejected(format!("smtp {code}: {text}"))),
            };
        }
    }
}

fn broken(e: std::io::Error) -> TransportError {
    TransportError::Unreachable(format!("smtp: {e}"))
}

/// The message as sent after `DATA`: headers, then the text and HTML alternatives in
/// quoted-printable, every line ending in CRLF.
fn mime(from: &Email, m: &EmailMessage, id: &str) -> String {
    let boundary = format!("tokiflow-{id}");
    let mut out = String::new();
    let _ = write!(
        out,
        "From: Tokiflow <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@tokiflow.local>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n",
        to = m.to,
        subject = encoded_word(&m.subject),
        date = Utc::now().to_rfc2822(),
    );
    for (kind, body) in [("plain", &m.text), ("html", &m.html)] {
        let _ = write!(
            out,
            "--{boundary}\r\nContent-Type: text/{kind}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n",
            quoted_printable(body)
        );
    }
    let _ = write!(out, "--{boundary}--\r\n");
    out
}

/// A header value in RFC 2047 form when it is not plain printable ASCII (which also keeps
/// a CR or LF in a subject from starting a header of its own).
fn encoded_word(value: &str) -> String {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return value.to_owned();
    }
    let mut out = String::from("=?utf-8?q?");
    for b in value.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => out.push(b as char),
            b' ' => out.push('_'),
            _ => {
                let _ = write!(out, "={b:02X}");
            }
        }
    }
    out.push_str("?=");
    out
}

/// RFC 2045 quoted-printable with CRLF line ends and soft breaks at 76 characters.
fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut width = 0;
        let bytes = line.as_bytes();
        for (j, &b) in bytes.iter().enumerate() {
            let last = j + 1 == bytes.len();
            let plain = (b'!'..=b'~').contains(&b) && b != b'=' || (b == b' ' || b == b'\t') && !last;
            let piece = if plain { (b as char).to_string() } else { format!("={b:02X}") };
            if width + piece.len() > QP_LINE - 1 {
                out.push_str("=\r\n");
                width = 0;
            }
            out.push_str(&piece);
            width += piece.len();
        }
    }
    out
}

/// A line that starts with `.` gets another, so the body cannot end the `DATA` early.
fn dot_stuffed(data: &str) -> String {
    data.split("\r\n")
        .map(|l| if l.starts_with('.') { format!(".{l}") } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_keeps_lines_short_and_escapes_what_it_must() {
        let qp = quoted_printable("héllo = world \nnext");
        assert_eq!(qp, "h=C3=A9llo =3D world=20\r\nnext");
        let long = quoted_printable(&"x".repeat(200));
        assert!(long.split("\r\n").all(|l| l.len() <= QP_LINE), "{long}");
        assert_eq!(long.replace("=\r\n", ""), "x".repeat(200));
    }

    #[test]
    fn subjects_cannot_inject_headers() {
        assert_eq!(encoded_word("Incident opened: Backup"), "Incident opened: Backup");
        let evil = encoded_word("x\r\nBcc: victim@example.com");
        assert!(!evil.contains('\r') && !evil.contains('\n'), "{evil}");
        assert!(evil.starts_with("=?utf-8?q?") && evil.ends_with("?="));
    }

    #[test]
    fn a_leading_dot_is_doubled() {
        assert_eq!(dot_stuffed("a\r\n.\r\n..b\r\nc"), "a\r\n..\r\n...b\r\nc");
    }

    #[test]
    fn relay_settings() {
        let none = SmtpConfig::from_lookup(|_| None).unwrap();
        assert_eq!(none, None);
        let get = |k: &str| match k {
            "TOKIFLOW_SMTP_RELAY" => Some("127.0.0.1:1025".to_owned()),
            _ => None,
        };
        let set = SmtpConfig::from_lookup(get).unwrap().unwrap();
        assert_eq!((set.relay.as_str(), set.from.as_str()), ("127.0.0.1:1025", "tokiflow@tokiflow.local"));
        let bad = SmtpConfig::from_lookup(|k| (k == "TOKIFLOW_SMTP_RELAY").then(|| "no port".to_owned()));
        assert_eq!(bad.unwrap_err().var, "TOKIFLOW_SMTP_RELAY");
    }

    /// A loopback SMTP relay that answers `rcpt` to RCPT TO and records the session.
    async fn relay(rcpt: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let session = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut io = BufReader::new(stream);
            let mut log = String::new();
            io.get_mut().write_all(b"220 relay ready\r\n").await.unwrap();
            let mut in_data = false;
            loop {
                let mut line = String::new();
                if io.read_line(&mut line).await.unwrap() == 0 {
                    return log;
                }
                log.push_str(&line);
                let reply: &str = if in_data {
                    if line != ".\r\n" {
                        continue;
                    }
                    in_data = false;
                    "250 queued\r\n"
                } else if line.starts_with("EHLO") {
                    "250-relay\r\n250 8BITMIME\r\n"
                } else if line.starts_with("RCPT") {
                    rcpt
                } else if line.starts_with("DATA") {
                    in_data = true;
                    "354 go ahead\r\n"
                } else if line.starts_with("QUIT") {
                    io.get_mut().write_all(b"221 bye\r\n").await.unwrap();
                    return log;
                } else {
                    "250 ok\r\n"
                };
                io.get_mut().write_all(reply.as_bytes()).await.unwrap();
                if reply.starts_with('5') || reply.starts_with('4') {
                    return log;
                }
            }
        });
        (addr, session)
    }

    fn message() -> EmailMessage {
        EmailMessage {
            to: Email::new("ops@example.com").unwrap(),
            subject: "[Tokiflow] Incident opened: Backup (missed)".into(),
            text: "No ping arrived.\n.hidden line\n".into(),
            html: "<p>No ping arrived.</p>".into(),
        }
    }

    fn sender(relay: String) -> SmtpEmail {
        SmtpEmail::new(SmtpConfig {
            relay,
            from: Email::new("alerts@tokiflow.test").unwrap(),
            timeout: Duration::from_secs(5),
        })
    }

    #[tokio::test]
    async fn a_message_reaches_the_relay_whole() {
        let (addr, session) = relay("250 ok\r\n").await;
        sender(addr).send_email(&message()).await.unwrap();
        let log = session.await.unwrap();
        assert!(
            log.starts_with(
                "EHLO tokiflow.local\r\nMAIL FROM:<alerts@tokiflow.test>\r\nRCPT TO:<ops@example.com>\r\nDATA\r\n"
            ),
            "{log}"
        );
        assert!(log.contains("Subject: [Tokiflow] Incident opened: Backup (missed)\r\n"), "{log}");
        assert!(
            log.contains("Content-Type: text/plain; charset=utf-8")
                && log.contains("Content-Type: text/html; charset=utf-8")
        );
        assert!(log.contains("\r\n..hidden line\r\n"), "dot-stuffed: {log}");
        assert!(log.contains("<p>No ping arrived.</p>"));
        assert!(log.ends_with(".\r\nQUIT\r\n"), "{log}");
    }

    #[tokio::test]
    async fn refusals_are_told_apart_from_busy_relays() {
        let (addr, _) = relay("550 no such user\r\n").await;
        let refused = sender(addr).send_email(&message()).await.unwrap_err();
        assert_eq!(refused, TransportError::Rejected("smtp 550: no such user".into()));
        assert!(!refused.is_retryable());
        let (addr, _) = relay("451 try again later\r\n").await;
        let busy = sender(addr).send_email(&message()).await.unwrap_err();
        assert!(busy.is_retryable(), "{busy:?}");
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().to_string();
        let unreachable = sender(closed).send_email(&message()).await.unwrap_err();
        assert!(matches!(unreachable, TransportError::Unreachable(_)), "{unreachable:?}");
    }
}
