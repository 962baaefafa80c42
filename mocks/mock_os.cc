#include "mocks/mock_os.h"

namespace daemonkit {

MockOs::MockOs() = default;
MockOs::~MockOs() = default;

}  // namespace daemonkit
