# Writes OUTPUT, a C++ source defining stowage::knowledge::embedded_frameworks_json(), whose text
# is INPUT verbatim. Run with: cmake -DINPUT=... -DOUTPUT=... -P embed_json.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")frameworks_json\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )frameworks_json\"")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by embed_json.cmake. Do not edit.\n"
  "#include \"knowledge/knowledge_data.h\"\n\n"
  "namespace stowage::knowledge {\n\n"
  "std::string_view embedded_frameworks_json() {\n"
  "  static constexpr char kText[] = R\"frameworks_json(${content})frameworks_json\";\n"
  "  return {kText, sizeof(kText) - 1};\n"
  "}\n\n"
  "}  // namespace stowage::knowledge\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
