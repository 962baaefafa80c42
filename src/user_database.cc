#include "daemonkit/user_database.h"

#include <memory>

#include "src/getent_user_database.h"
#include "src/nss_user_database.h"

namespace daemonkit {

std::unique_ptr<UserDatabase> SystemUserDatabase(Os& os) {
  if (internal::LinkedStatically()) {
    return std::make_unique<internal::GetentUserDatabase>(os);
  }
  return std::make_unique<internal::NssUserDatabase>();
}

}  // namespace daemonkit
