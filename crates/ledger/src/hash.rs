//! [`Hash`]: the 32-byte BLAKE3 digest that names events and fingerprints
//! schemas. The type is the model's (a target records it too); its bytes in
//! the ledger are fixed here by a test.

pub use strata_schema::hash::{nibble, Hash, ParseHashError};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bincode_is_raw_bytes() {
        let h = Hash([7; 32]);
        let bytes = bincode::serde::encode_to_vec(h, bincode::config::standard()).unwrap();
        assert_eq!(bytes, vec![7u8; 32]);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{h}\""));
        assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), h);
    }
}
