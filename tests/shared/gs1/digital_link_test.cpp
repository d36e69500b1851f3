// Splitting GS1 Digital Link URIs into AI/value pairs.
#include "shared/gs1/digital_link.hpp"

#include <doctest/doctest.h>

namespace recount::gs1 {
namespace {

std::string pairs_of(std::string_view uri) {
  auto pairs = split_digital_link(uri);
  if (!pairs) return "error: " + pairs.error().message;
  std::string text;
  for (const auto& pair : *pairs) text += "(" + pair.ai + ")" + pair.value;
  return text;
}

}  // namespace

TEST_CASE("path qualifiers come before query attributes, in order") {
  CHECK(pairs_of("https://id.gs1.org/01/09506000134352/10/ABC/21/7?17=201231&3103=000195") ==
        "(01)09506000134352(10)ABC(21)7(17)201231(3103)000195");
}

TEST_CASE("any host and a custom path prefix are accepted") {
  CHECK(pairs_of("http://example.com/shop/items/01/09506000134352") == "(01)09506000134352");
  CHECK(pairs_of("HTTPS://EXAMPLE.COM/01/09506000134352") == "(01)09506000134352");
}

TEST_CASE("query parameters that are not AIs and the fragment are ignored") {
  CHECK(pairs_of("https://a.example/01/09506000134352?linktype=all&foo=bar#top") == "(01)09506000134352");
}

TEST_CASE("values are percent-decoded and positions point into the URI") {
  const auto pairs = split_digital_link("https://a.example/01/09506000134352/10/A%2FB");
  REQUIRE(pairs);
  CHECK((*pairs)[1].value == "A/B");
  CHECK((*pairs)[1].position == 40);
  CHECK(pairs_of("https://a.example/01/09506000134352/10/A%2") == "error: bad %-escape at character 41");
}

TEST_CASE("a short GTIN in the path is padded to fourteen digits") {
  CHECK(pairs_of("https://a.example/01/9506000134352") == "(01)09506000134352");
  CHECK(pairs_of("https://a.example/01/95060001") == "(01)00000095060001");
}

TEST_CASE("a URI without a primary key or with an unknown numeric parameter is refused") {
  CHECK(pairs_of("https://a.example/products/42") == "error: the path has no GS1 primary key such as /01/<GTIN>");
  CHECK(pairs_of("https://a.example/10/ABC") == "error: the path has no GS1 primary key such as /01/<GTIN>");
  CHECK(pairs_of("https://a.example/01/09506000134352?8100=1") ==
        "error: query parameter 8100 at character 37 is not a GS1 Application Identifier");
  CHECK_FALSE(is_uri("ftp://a.example/01/09506000134352"));
}

TEST_CASE("key qualifiers must be the primary key's, in its order") {
  CHECK(pairs_of("https://a.example/01/09506000134352/22/V1/10/L1/21/S1") == "(01)09506000134352(22)V1(10)L1(21)S1");
  CHECK(pairs_of("https://a.example/01/09506000134352/235/T1") == "(01)09506000134352(235)T1");
  CHECK(pairs_of("https://a.example/01/09506000134352/235/T1/21/S1") ==
        "error: (21) at character 44 cannot follow in the path: (01) takes key qualifiers (22) (10) (21) in this "
        "order, or (235)");
  CHECK(pairs_of("https://a.example/00/106141412345678908/10/L1") ==
        "error: (10) at character 41 cannot follow in the path: (00) takes no key qualifiers");
}

TEST_CASE("a key qualifier given as a query parameter is refused, an attribute is not") {
  CHECK(pairs_of("https://a.example/01/09506000134352?21=S1") ==
        "error: (21) is a key qualifier of (01): it belongs in the path, not in the query (character 40)");
  CHECK(pairs_of("https://a.example/01/09506000134352/235/T1?10=L1") == "(01)09506000134352(235)T1(10)L1");
}

// Found by gs1_fuzz: the attributes before a parameter were taken for key qualifiers of the path.
TEST_CASE("a key qualifier in the query is refused after other attributes too") {
  CHECK(pairs_of("https://a.example/01/09506000134352?17=261231&10=L1") ==
        "error: (10) is a key qualifier of (01): it belongs in the path, not in the query (character 50)");
  CHECK(pairs_of("https://a.example/01/09506000134352?99=A&21=S1") ==
        "error: (21) is a key qualifier of (01): it belongs in the path, not in the query (character 45)");
  CHECK(pairs_of("https://a.example/01/09506000134352/10/L1?17=261231&99=A&21=S1") ==
        "error: (21) is a key qualifier of (01): it belongs in the path, not in the query (character 61)");
  CHECK(pairs_of("https://a.example/01/09506000134352/10/L1?17=261231&99=A") ==
        "(01)09506000134352(10)L1(17)261231(99)A");
}

TEST_CASE("the same AI twice, a trailing slash and an empty value are refused") {
  CHECK(pairs_of("https://a.example/01/09506000134352?99=A&99=B") ==
        "error: (99) appears twice, at characters 40 and 45");
  CHECK(pairs_of("https://a.example/01/09506000134352/") == "error: the path ends with '/' at character 36");
  CHECK(pairs_of("https://a.example/01/09506000134352/10//21/S1") == "error: (10) has an empty value at character 40");
}

TEST_CASE("the primary key is the rightmost one, whatever AIs the stem holds") {
  CHECK(pairs_of("https://a.example/10/x/01/09506000134352") == "(01)09506000134352");
  CHECK(pairs_of("https://a.example/01/stem/01/09506000134352/10/L1") == "(01)09506000134352(10)L1");
}

TEST_CASE("in the query '+' is a space and a NUL escape is refused") {
  CHECK(pairs_of("https://a.example/01/09506000134352?99=A+B") == "(01)09506000134352(99)A B");
  CHECK(pairs_of("https://a.example/01/09506000134352/22/A+B") == "(01)09506000134352(22)A+B");
  CHECK(pairs_of("https://a.example/01/09506000134352?99=A%00") == "error: bad %-escape at character 41");
  CHECK(pairs_of("https://a.example/01/09506000134352?flag&99=A") == "(01)09506000134352(99)A");
}

}  // namespace recount::gs1
