// The client boundary's classifiers: only the watchdog's own shortage (its socket(), its
// memory) is LocalResource; the same words from a server stay the server's (issue #20).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "probes/clients/pq_session.h"
#include "probes/clients/redis_connection.h"

namespace watchdog::probes {
namespace {

std::string reason(int error) { return std::strerror(error); }

TEST(PostgresLocalResourceClassify, ClientSideTextOnly) {
  using pq::names_local_exhaustion;
  const std::string at = "connection to server at \"127.0.0.1\", port 5432 failed: ";
  EXPECT_TRUE(names_local_exhaustion(at + "could not create socket: " + reason(EMFILE) + "\n"));
  EXPECT_TRUE(names_local_exhaustion("could not create socket: " + reason(ENFILE) + "\n"));
  EXPECT_TRUE(names_local_exhaustion(at + "out of memory\n"));
  EXPECT_TRUE(names_local_exhaustion("out of memory\n"));
  EXPECT_FALSE(names_local_exhaustion(at + "could not create socket: " + reason(EAFNOSUPPORT)));
  // The server's words, after its severity: its shortage, not the watchdog's.
  EXPECT_FALSE(names_local_exhaustion(
      at + "FATAL:  could not open file \"base/1/2\": " + reason(EMFILE) + "\n"));
  EXPECT_FALSE(names_local_exhaustion("ERROR:  out of memory\nDETAIL:  Failed on request.\n"));
  EXPECT_FALSE(names_local_exhaustion(at + "FATAL:  sorry, too many clients already\n"));
  EXPECT_FALSE(names_local_exhaustion(at + "Connection refused\n"));
}

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
