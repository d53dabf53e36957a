//! Where a ping goes and what it reports. A ping token is a secret (whoever holds it can
//! report for the monitor), so errors here name the option or variable it came from, never
//! its value.
use std::str::FromStr;

/// Full ping URL, e.g. `https://tokiflow.example.com/ping/TOKEN`.
pub const PING_URL_ENV: &str = "TOKIFLOW_PING_URL";
/// A bare ping token, pinged at `TOKIFLOW_URL`.
pub const PING_TOKEN_ENV: &str = "TOKIFLOW_PING_TOKEN";

/// The server hashes at most this much of a token (`MAX_SECRET_LEN` in tokiflow-shared);
/// anything longer cannot be one.
const MAX_TOKEN_LEN: usize = 128;

/// What a ping reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingKind {
    Success,
    Start,
    Fail,
    Log,
    Exit(u8),
}

impl PingKind {
    /// The path after `/ping/TOKEN`: a plain ping is a success.
    fn suffix(self) -> String {
        match self {
            Self::Success => String::new(),
            Self::Start => "/start".into(),
            Self::Fail => "/fail".into(),
            Self::Log => "/log".into(),
            Self::Exit(code) => format!("/{code}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("expected start, success, fail, log or an exit code 0-255")]
pub struct UnknownKind;

impl FromStr for PingKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        Ok(match s {
            "success" => Self::Success,
            "start" => Self::Start,
            "fail" => Self::Fail,
            "log" => Self::Log,
            code => Self::Exit(code.parse().map_err(|_| UnknownKind)?),
        })
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error(
        "no ping target: give --token TOKEN or --url PING_URL, or set {PING_URL_ENV} \
         (a full ping URL) or {PING_TOKEN_ENV}"
    )]
    Missing,
    #[error("{0} is not a ping URL: expected http(s)://HOST/ping/TOKEN")]
    BadUrl(&'static str),
    #[error("{0} is not a ping token: expected 1-{MAX_TOKEN_LEN} letters, digits, '-', '_', '.' or '~'")]
    BadToken(&'static str),
}

/// A monitor's ping endpoint: the server's base URL and the token. Deliberately not
/// `Debug`, so the token cannot end up in a log line by accident.
pub struct PingTarget {
    base: String,
    token: String,
}

impl PingTarget {
    /// The first of `--token` (at `server`), `--url`, `$TOKIFLOW_PING_URL` and
    /// `$TOKIFLOW_PING_TOKEN` (at `server`). The flags win over the environment, so a
    /// one-off command can override what a crontab exports; an empty variable counts as
    /// unset, so `TOKIFLOW_PING_URL= tokiflow …` clears it.
    pub fn resolve(
        token: Option<&str>,
        url: Option<&str>,
        server: &str,
        env: impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, TargetError> {
        let env = |name| env(name).filter(|v| !v.is_empty());
        if let Some(token) = token {
            Self::at(server, token, "--token")
        } else if let Some(url) = url {
            Self::from_url(url, "--url")
        } else if let Some(url) = env(PING_URL_ENV) {
            Self::from_url(&url, PING_URL_ENV)
        } else if let Some(token) = env(PING_TOKEN_ENV) {
            Self::at(server, &token, PING_TOKEN_ENV)
        } else {
            Err(TargetError::Missing)
        }
    }

    /// Where to send the pings.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The path, relative to [`Self::base`], of a ping of this kind.
    pub fn path(&self, kind: PingKind) -> String {
        format!("/ping/{}{}", self.token, kind.suffix())
    }

    fn at(server: &str, token: &str, source: &'static str) -> Result<Self, TargetError> {
        if !is_token(token) {
            return Err(TargetError::BadToken(source));
        }
        Ok(Self { base: server.trim_end_matches('/').to_owned(), token: token.to_owned() })
    }

    /// `http(s)://HOST[/PREFIX]/ping/TOKEN[/]`: what the server prints for a monitor. A state
    /// or query after the token is refused rather than dropped: the subcommand says those.
    fn from_url(url: &str, source: &'static str) -> Result<Self, TargetError> {
        let bad = || TargetError::BadUrl(source);
        let after_scheme = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(bad)?;
        let (base, token) = url.rsplit_once("/ping/").ok_or_else(bad)?;
        let host_given = base.len() > url.len() - after_scheme.len();
        let token = token.strip_suffix('/').unwrap_or(token);
        if !host_given || !is_token(token) {
            return Err(bad());
        }
        Ok(Self { base: base.to_owned(), token: token.to_owned() })
    }
}

/// Tokens are base-62; the URL's unreserved characters are allowed too, and nothing that
/// would change the URL's meaning (`/`, `?`, `#`, spaces) once put in its path.
fn is_token(s: &str) -> bool {
    (1..=MAX_TOKEN_LEN).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str = "http://127.0.0.1:8080";

    fn resolve(token: Option<&str>, url: Option<&str>, env: &[(&str, &str)]) -> Result<(String, String), TargetError> {
        let t = PingTarget::resolve(token, url, SERVER, |name| {
            env.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        })?;
        Ok((t.base, t.token))
    }

    fn target(base: &str, token: &str) -> Result<(String, String), TargetError> {
        Ok((base.to_owned(), token.to_owned()))
    }

    #[test]
    fn kinds_and_their_paths() {
        let t = PingTarget::at(SERVER, "abc", "--token").unwrap();
        for (word, path) in [
            ("success", "/ping/abc"),
            ("start", "/ping/abc/start"),
            ("fail", "/ping/abc/fail"),
            ("log", "/ping/abc/log"),
            ("0", "/ping/abc/0"),
            ("255", "/ping/abc/255"),
        ] {
            assert_eq!(t.path(word.parse().unwrap()), path);
        }
        for bad in ["256", "-1", "FAIL", "", "1.5"] {
            assert!(bad.parse::<PingKind>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flags_win_over_the_environment_and_the_url_variable_over_the_token_one() {
        let env = [(PING_URL_ENV, "https://env.example/ping/fromurl"), (PING_TOKEN_ENV, "fromtoken")];
        assert_eq!(resolve(Some("flag"), Some("https://x.example/ping/u"), &env), target(SERVER, "flag"));
        assert_eq!(resolve(None, Some("https://x.example/ping/u"), &env), target("https://x.example", "u"));
        assert_eq!(resolve(None, None, &env), target("https://env.example", "fromurl"));
        assert_eq!(resolve(None, None, &env[1..]), target(SERVER, "fromtoken"));
        assert_eq!(
            resolve(None, None, &[(PING_URL_ENV, ""), (PING_TOKEN_ENV, "t")]),
            target(SERVER, "t"),
            "an empty variable is unset"
        );
        assert_eq!(resolve(None, None, &[]), Err(TargetError::Missing));
    }

    #[test]
    fn ping_urls() {
        for (url, base, token) in [
            ("https://h.example/ping/abc", "https://h.example", "abc"),
            ("http://127.0.0.1:8080/ping/abc/", "http://127.0.0.1:8080", "abc"),
            ("https://h.example/tf/ping/abc", "https://h.example/tf", "abc"),
            ("https://ping/ping/abc", "https://ping", "abc"),
        ] {
            assert_eq!(resolve(None, Some(url), &[]), target(base, token), "{url}");
        }
        for url in [
            "h.example/ping/abc",
            "ftp://h.example/ping/abc",
            "https:///ping/abc",
            "https://h.example/ping/",
            "https://h.example/abc",
            "https://h.example/ping/abc/fail",
            "https://h.example/ping/abc?rid=1",
            "https://h.example/ping/a c",
        ] {
            assert_eq!(resolve(None, Some(url), &[]), Err(TargetError::BadUrl("--url")), "{url}");
        }
    }

    #[test]
    fn errors_name_the_source_never_the_secret() {
        let secret = "s3cret/with?slash";
        let env = [(PING_TOKEN_ENV, secret)];
        let e = resolve(None, None, &env).unwrap_err();
        assert_eq!(e, TargetError::BadToken(PING_TOKEN_ENV));
        assert!(!e.to_string().contains("s3cret"), "{e}");
        let url = format!("https://h.example/nope/{secret}");
        let e = resolve(None, None, &[(PING_URL_ENV, &url)]).unwrap_err();
        assert_eq!(e, TargetError::BadUrl(PING_URL_ENV));
        assert!(!e.to_string().contains("s3cret"), "{e}");
        assert!(
            ["--token", "--url", PING_URL_ENV, PING_TOKEN_ENV]
                .iter()
                .all(|o| TargetError::Missing.to_string().contains(o))
        );
        assert!(resolve(Some(&"a".repeat(MAX_TOKEN_LEN + 1)), None, &[]).is_err());
    }
}
