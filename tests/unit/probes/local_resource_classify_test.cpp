// The client boundary's classifiers: only the watchdog's own shortage (its socket(), its
// memory) is LocalResource; the same words from a server stay the server's (issue #20).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "probes/clients/mysql_session.h"
#include "probes/clients/pq_session.h"
#include "probes/clients/redis_connection.h"

namespace watchdog::probes {
namespace {

std::string reason(int error) { return std::strerror(error); }

TEST(MysqlLocalResourceClassify, SocketCreationErrnoDecides) {
  using mysql::classify_error;
  using mysql::Failure;
  EXPECT_EQ(classify_error(2004, "Can't create TCP/IP socket (24)"), Failure::LocalResource);
  EXPECT_EQ(classify_error(2004, "Can't create TCP/IP socket (23)"), Failure::LocalResource);
  EXPECT_EQ(classify_error(2001, "Can't create UNIX socket (12)"), Failure::LocalResource);
  EXPECT_EQ(classify_error(2004, "Can't create TCP/IP socket (97)"), Failure::ConnectionError);
  EXPECT_EQ(classify_error(2008, "MySQL client ran out of memory"), Failure::LocalResource);
  // A refusal carries an errno too, but it is the server's side.
  EXPECT_EQ(classify_error(2003, "Can't connect to server on '127.0.0.1' (111)"), Failure::Refused);
  // The server's own shortage is the server's: ER_OUT_OF_RESOURCES, ER_CON_COUNT_ERROR.
  EXPECT_EQ(classify_error(1041,
                           "Out of memory; check if mysqld or some other process uses all "
                           "available memory"),
            Failure::ServerError);
  EXPECT_EQ(classify_error(1040, "Too many connections"), Failure::TooManyConnections);
}

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
