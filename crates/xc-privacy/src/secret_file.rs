//! Secret key files: random key material kept in a file only its owner can read (mode 0600),
//! created on first use. One implementation for every key the platform holds (the PII vault's
//! key, the credential issuer's signing keys).

use std::io::Write;
use std::path::Path;

use crate::PrivacyError;

/// Reads the `length`-byte secret in the file at `path` (hex), creating the file with fresh
/// random bytes and mode 0600 when it does not exist. Refuses a file that other users can read,
/// or one that does not hold exactly `length` bytes of hex.
pub fn open_or_create_secret_file(path: &Path, length: usize) -> Result<Vec<u8>, PrivacyError> {
    let file_error = |source| PrivacyError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    if !path.exists() {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(file_error)?;
        }
        let mut key = vec![0u8; length];
        getrandom::fill(&mut key).map_err(|_| PrivacyError::Random)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(file_error)?;
        file.write_all(hex::encode(&key).as_bytes())
            .map_err(file_error)?;
        file.sync_all().map_err(file_error)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(file_error)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(PrivacyError::KeyPermissions {
                path: path.display().to_string(),
            });
        }
    }
    let text = std::fs::read_to_string(path).map_err(file_error)?;
    let wrong_length = |found| PrivacyError::SecretFileLength {
        path: path.display().to_string(),
        expected: length,
        found,
    };
    let key = hex::decode(text.trim()).map_err(|_| wrong_length(text.trim().len() / 2))?;
    if key.len() != length {
        return Err(wrong_length(key.len()));
    }
    Ok(key)
}
