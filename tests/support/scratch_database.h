#pragma once
// A fresh, empty database on the private test cluster for one test (or one
// suite), dropped when it goes out of scope. The cluster comes from
// INVOICEHUB_TEST_DATABASE_URL, which scripts/test.sh sets.

#include <string>

namespace invoicehub::testing {

// The cluster URL; aborts the test program with a clear message when unset.
std::string TestClusterUrl();

// `url` with its database name replaced by `database`.
std::string WithDatabase(const std::string& url, const std::string& database);

class ScratchDatabase {
 public:
  ScratchDatabase();  // CREATE DATABASE <unique name>
  ~ScratchDatabase();  // DROP DATABASE ... WITH (FORCE)
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string url_;
};

// Runs one SQL statement on `url` outside any transaction; aborts on error.
void ExecSql(const std::string& url, const std::string& sql);

// The first column of the first row of `sql` on `url`, as text.
std::string QueryScalar(const std::string& url, const std::string& sql);

}  // namespace invoicehub::testing
