// The client boundary's classifiers: only the watchdog's own shortage (its socket(), its
// memory) is LocalResource; the same words from a server stay the server's (issue #20).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "probes/clients/redis_connection.h"

namespace watchdog::probes {
namespace {

std::string reason(int error) { return std::strerror(error); }

TEST(RedisLocalResourceClassify, ConnectErrorText) {
  using redis::classify_connect_error;
  using redis::Failure;
  EXPECT_EQ(classify_connect_error(reason(EMFILE)), Failure::LocalResource);
  EXPECT_EQ(classify_connect_error("Can't create socket: " + reason(ENOBUFS)),
            Failure::LocalResource);
  EXPECT_EQ(classify_connect_error("Connection refused"), Failure::Refused);
  EXPECT_EQ(classify_connect_error("Connection timed out"), Failure::Timeout);
  EXPECT_EQ(classify_connect_error(reason(EHOSTUNREACH)), Failure::ConnectError);
}

}  // namespace
}  // namespace watchdog::probes
