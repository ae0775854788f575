//! Integration tests of xc-credentials: published vectors (W3C vc-di-eddsa, 1EdTech samples,
//! GB/T SM2/SM3 examples, RFC 8032), our SM2 suite, and bad input.

mod bad_input;
mod gm_sm2_sm3;
mod never_panics;
mod onedtech_samples;
mod rfc8032;
mod sd_jwt;
mod sign_and_verify;
mod sm2_jcs_2025_vector;
mod status_list;
mod support;
mod w3c_vc_di_eddsa;
