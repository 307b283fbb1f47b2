// Bridges OpenSSL's libcrypto (package libssl-dev) into Swift: AES-256-GCM, HKDF, HMAC, SHA-256,
// the system random generator and OPENSSL_cleanse.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
