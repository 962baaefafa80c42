// daemonkit::MockUserDatabase: a gMock UserDatabase, for tests of code that
// looks users and groups up.
#ifndef DAEMONKIT_MOCKS_MOCK_USER_DATABASE_H_
#define DAEMONKIT_MOCKS_MOCK_USER_DATABASE_H_

#include "daemonkit/user_database.h"
#include "gmock/gmock.h"

namespace daemonkit {

class MockUserDatabase : public UserDatabase {
 public:
  MOCK_METHOD(LookupResult<UserEntry>, UserByName, (const std::string& name),
              (override));
  MOCK_METHOD(LookupResult<UserEntry>, UserById, (uid_t uid), (override));
  MOCK_METHOD(LookupResult<GroupEntry>, GroupByName, (const std::string& name),
              (override));
  MOCK_METHOD(LookupResult<std::vector<gid_t>>, GroupsOf,
              (const std::string& user, gid_t group), (override));
};

}  // namespace daemonkit

#endif  // DAEMONKIT_MOCKS_MOCK_USER_DATABASE_H_
