//! A request body to the local API, decoded as the engine decodes it: never a panic, and any
//! request it accepts encodes back to one that decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lull_api::call::Request;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<Request>(data) {
        let encoded = serde_json::to_vec(&request).expect("a request encodes");
        let again: Request = serde_json::from_slice(&encoded).expect("an encoded request decodes");
        assert_eq!(serde_json::to_value(&again).expect("encodes"), serde_json::to_value(&request).expect("encodes"), "{request:?}");
    }
});
