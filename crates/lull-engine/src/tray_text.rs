//! The tray's words (the desktop app's and `lull serve --tray`'s), in English or French like the
//! UI, following the system language (`LC_ALL`, `LC_MESSAGES`, `LANG`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

pub fn system() -> Lang {
    let vars = ["LC_ALL", "LC_MESSAGES", "LANG"];
    let value = vars.iter().filter_map(|v| std::env::var(v).ok()).find(|v| !v.is_empty()).unwrap_or_default();
    if value.to_ascii_lowercase().starts_with("fr") { Lang::Fr } else { Lang::En }
}

/// A fixed tray label.
pub fn text(lang: Lang, key: &str) -> &'static str {
    match (lang, key) {
        (Lang::Fr, "focus-25") => "Concentration 25 min",
        (Lang::Fr, "focus-50") => "Concentration 50 min",
        (Lang::Fr, "focus-90") => "Concentration 90 min",
        (Lang::Fr, "focus-stop") => "Arrêter la concentration",
        (Lang::Fr, "digest-now") => "Récapitulatif maintenant",
        (Lang::Fr, "open") => "Ouvrir Lull",
        (Lang::Fr, "autostart") => "Lancer à l’ouverture de session",
        (Lang::Fr, "quit") => "Quitter Lull",
        (_, "focus-25") => "Focus 25 min",
        (_, "focus-50") => "Focus 50 min",
        (_, "focus-90") => "Focus 90 min",
        (_, "focus-stop") => "Stop focus",
        (_, "digest-now") => "Digest now",
        (_, "open") => "Open Lull",
        (_, "autostart") => "Start at login",
        (_, "quit") => "Quit Lull",
        _ => "",
    }
}

/// The focus and held lines for a status, in the user's time zone.
pub fn status_lines(status: &lull_api::status::StatusView, lang: Lang) -> (String, String) {
    let tz: chrono_tz::Tz = status.tz.parse().unwrap_or(chrono_tz::UTC);
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
    let until = status.focus.until.filter(|_| status.focus.in_focus).map(local);
    (focus_line(lang, until.as_deref()), held_line(lang, status.held, &local(status.next_digest)))
}

/// `3 held · next digest 13:00` or `Nothing held · next digest 13:00`.
pub fn held_line(lang: Lang, held: u32, next: &str) -> String {
    match (lang, held) {
        (Lang::Fr, 0) => format!("Rien en attente · récapitulatif à {next}"),
        (Lang::Fr, n) => format!("{n} en attente · récapitulatif à {next}"),
        (Lang::En, 0) => format!("Nothing held · next digest {next}"),
        (Lang::En, n) => format!("{n} held · next digest {next}"),
    }
}

/// `In focus until 12:00` or `Not in focus`.
pub fn focus_line(lang: Lang, until: Option<&str>) -> String {
    match (lang, until) {
        (Lang::Fr, Some(t)) => format!("Concentration jusqu’à {t}"),
        (Lang::Fr, None) => "Pas de concentration en cours".to_owned(),
        (Lang::En, Some(t)) => format!("In focus until {t}"),
        (Lang::En, None) => "Not in focus".to_owned(),
    }
}
