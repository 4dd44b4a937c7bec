# Writes a C++ file that holds every storage/migrations/NNNN_name.sql, so the
# server carries its schema with it. Run by the build (cmake -P) whenever a
# migration file changes. Inputs: MIGRATIONS_DIR, OUTPUT.
file(GLOB files RELATIVE ${MIGRATIONS_DIR} ${MIGRATIONS_DIR}/*.sql)
list(SORT files)
set(body "")
foreach(file ${files})
  if(NOT file MATCHES "^([0-9]+)_(.+)\\.sql$")
    message(FATAL_ERROR "migration ${file} is not named NNNN_name.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  file(READ ${MIGRATIONS_DIR}/${file} sql)
  string(APPEND body "    {${version}, \"${name}\", R\"invoicehub_sql(${sql})invoicehub_sql\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from storage/migrations by embed_migrations.cmake. Do not edit.
#include \"storage/migrator.h\"

namespace invoicehub::storage {

const std::vector<Migration>& EmbeddedMigrations() {
  static const std::vector<Migration> migrations = {
${body}  };
  return migrations;
}

}  // namespace invoicehub::storage
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
