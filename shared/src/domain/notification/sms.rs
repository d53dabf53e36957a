//! SMS: one short line that fits a single message segment, with a link when it fits.
use super::{Facts, SmsMessage, clip_with, kind_label, severity_label};
use crate::domain::channel::PhoneNumber;

/// A single segment holds 160 GSM-7 characters, or 70 once any character needs UCS-2.
const GSM_SEGMENT: usize = 160;
const UCS2_SEGMENT: usize = 70;
/// Monitor names are cut to no less than this before the link is dropped instead.
const MIN_NAME: usize = 16;
/// "…" is not in the GSM alphabet and would shrink the segment to 70 characters.
const ELLIPSIS: &str = "...";

pub(crate) fn message(f: &Facts, phone: &PhoneNumber) -> SmsMessage {
    let i = f.incident();
    let head = format!("Tokiflow: {} -", f.what());
    let tail = format!("{}, {}.", kind_label(i.kind).to_lowercase(), severity_label(i.severity).to_lowercase());
    let compose = |name: &str, link: bool| {
        let mut s = format!("{head} {name} {tail}");
        if link {
            s.push(' ');
            s.push_str(&f.incident_url);
        }
        s
    };
    let name = f.monitor();
    // Longest first: the whole name with the link, then a shorter name, then no link.
    let text = [true, false]
        .into_iter()
        .flat_map(|link| {
            let fixed = segment_units(&compose("", link));
            let room = segment_limit(&compose(name, link)).saturating_sub(fixed);
            [(name.chars().count(), link), (room.max(MIN_NAME), link)]
        })
        .map(|(len, link)| compose(&clip_with(name, len, ELLIPSIS), link))
        .find(|s| fits(s))
        .unwrap_or_else(|| clip_with(&compose(name, false), UCS2_SEGMENT, ELLIPSIS));
    SmsMessage { to: phone.clone(), text }
}

/// Characters of GSM 03.38's basic set that are plain ASCII; anything else (accents,
/// emoji, a backtick) makes the whole message UCS-2.
fn is_gsm_basic(c: char) -> bool {
    c.is_ascii() && (c == '\n' || (' '..='~').contains(&c)) && c != '`'
}

/// These take two GSM-7 septets (an escape and the character).
fn is_gsm_extension(c: char) -> bool {
    matches!(c, '[' | ']' | '{' | '}' | '\\' | '^' | '~' | '|')
}

fn segment_limit(s: &str) -> usize {
    if s.chars().all(is_gsm_basic) { GSM_SEGMENT } else { UCS2_SEGMENT }
}

fn segment_units(s: &str) -> usize {
    if s.chars().all(is_gsm_basic) {
        s.chars().map(|c| if is_gsm_extension(c) { 2 } else { 1 }).sum()
    } else {
        s.encode_utf16().count()
    }
}

/// Whether `s` fits one SMS segment.
pub fn fits(s: &str) -> bool {
    segment_units(s) <= segment_limit(s)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Facts, Notice};
    use super::*;
    use crate::domain::incident_event::IncidentChange;
    use crate::domain::text::Name;

    fn render(change: IncidentChange, monitor: &str) -> String {
        let e = event(change);
        let n = Notice::from(&e);
        let mut c = ctx();
        c.monitor_name = Name::new(monitor).unwrap();
        message(&Facts::new(&n, &c), &PhoneNumber::new("+14155550100").unwrap()).text
    }

    #[test]
    fn short_text_with_link() {
        assert_eq!(
            render(IncidentChange::Opened, "Nightly backup"),
            "Tokiflow: Incident opened - Nightly backup missed, high. https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e"
        );
        assert_eq!(
            render(IncidentChange::Resolved, "Nightly backup"),
            "Tokiflow: Resolved - Nightly backup missed, high. https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e"
        );
    }

    #[test]
    fn long_names_are_cut_to_fit_one_segment() {
        let long = "A very long monitor name that goes on and on about the nightly database backup job";
        let text = render(IncidentChange::Opened, long);
        assert!(text.chars().count() <= 160 && fits(&text), "{text}");
        assert!(text.contains("... missed") && text.ends_with("inc_0193a1b2c3d4e5f60718293a4b5c6d7e"), "{text}");

        let text = render(IncidentChange::Opened, &"é".repeat(100));
        assert!(text.chars().count() <= 70 && fits(&text), "{text}");
        assert!(!text.contains("https://"), "no room for the link in UCS-2: {text}");
        assert!(text.starts_with("Tokiflow: Incident opened - éé"), "{text}");
    }

    #[test]
    fn segment_rules() {
        assert!(fits(&"a".repeat(160)));
        assert!(!fits(&"a".repeat(161)));
        assert!(!fits(&"[".repeat(81)), "extension characters count twice");
        assert!(fits(&"é".repeat(70)));
        assert!(!fits(&"é".repeat(71)));
    }
}
