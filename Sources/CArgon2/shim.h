// Bridges Debian's libargon2 (package libargon2-dev) into Swift.
#include <argon2.h>
