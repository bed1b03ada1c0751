//! HTML to text, as used for mail bodies and feed entries: never a panic, the text is never
//! much longer than the markup, and no tag survives as markup.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let text = lull_core::text::html_to_text(&html);
    // Entities expand (`&#x10FFFF;` is 10 bytes for 4), never beyond the input's own size by
    // much: a bound that catches a runaway loop.
    assert!(text.len() <= html.len() * 2 + 16, "{} bytes of text from {} of markup", text.len(), html.len());
});
