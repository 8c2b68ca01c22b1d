//! The signer alone, for part 4 of the benchmark suite: [`sign_many`] signs the request the task
//! sends for `Invoke` (same headers, same body) `n` times. Built for `wasm32-wasip2` it is the
//! `bench-signer` component's export; linked natively it is the baseline the component is
//! compared with, so both sides run exactly this code.

use lambda_invoke_sigv4::{Credentials, SignableRequest, SigningParams, SigningSettings, SigningTime, sign};

/// 2015-08-30T12:36:00Z, the official test suite's time; each signature adds one second.
const START: u64 = 1_440_938_160;

/// Signs the `Invoke` request `n` times and returns a checksum of the signatures.
///
/// # Panics
///
/// Never for these fixed inputs (the signer only fails on malformed requests).
pub fn sign_many(n: u32) -> u64 {
    let headers = [
        ("host", "127.0.0.1:8080"),
        ("x-amz-invocation-type", "RequestResponse"),
        ("content-type", "application/json"),
    ];
    let request = SignableRequest {
        method: "POST",
        path: "/2015-03-31/functions/echo/invocations",
        query: "",
        headers: &headers,
        body: br#"{"message":"hello from lambda-invoke"}"#,
    };
    let mut checksum = 0u64;
    for i in 0..u64::from(n) {
        let params = SigningParams {
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE",
                secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                session_token: None,
            },
            region: "us-east-1",
            service: "lambda",
            time: SigningTime::from_unix_seconds(START + i).expect("a valid time"),
            settings: SigningSettings::default(),
        };
        let output = sign(&request, &params).expect("the fixed request is signable");
        checksum = output
            .signature
            .bytes()
            .fold(checksum, |sum, b| sum.rotate_left(5) ^ u64::from(b));
    }
    checksum
}

#[cfg(target_family = "wasm")]
#[allow(unsafe_code, missing_docs, missing_debug_implementations)]
mod bindings {
    wit_bindgen::generate!({
        world: "bench-signer",
        path: "wit",
    });

    struct Component;

    impl Guest for Component {
        fn sign_many(n: u32) -> u64 {
            super::sign_many(n)
        }
    }

    export!(Component);
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_signature_counts() {
        assert_ne!(super::sign_many(1), super::sign_many(2));
        assert_eq!(super::sign_many(0), 0);
    }
}
