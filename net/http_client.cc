#include "net/http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <fstream>

#include "core/strings.h"
#include "net/redirect.h"
#include "net/url.h"

namespace stowage::net {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw Error("libcurl failed to start");
  });
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

std::string bytes_text(std::int64_t n) {
  if (n < (10 << 10))
    return std::to_string(n) + " bytes";
  if (n < (10 << 20))
    return std::to_string(n >> 10) + " KiB";
  return std::to_string(n >> 20) + " MiB";
}

std::string duration_text(std::chrono::milliseconds d) {
  if (d < std::chrono::seconds(10))
    return std::to_string(d.count()) + " ms";
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

// Applies TransferLimits to one request, from the progress callback (called about once a
// second, idle or not). Throws a transient NetworkError when a rule is broken.
class Pace {
 public:
  Pace(const TransferLimits& limits, const Request& request)
      : limits_(limits), request_(request), start_(Clock::now()), mark_time_(start_) {}

  void check(std::int64_t download_total, std::int64_t downloaded, std::int64_t uploaded,
             bool uploading) {
    if (limits_.min_rate <= 0)
      return;
    auto now = Clock::now();
    std::int64_t size = std::max({request_.body_size, download_total, downloaded, uploaded});
    auto deadline = limits_.base + std::chrono::milliseconds(static_cast<std::int64_t>(
                                       static_cast<double>(size) * 1000.0 / limits_.min_rate));
    if (now - start_ > deadline) {
      fail("did not complete it within its deadline of " + duration_text(deadline) + " (" +
           duration_text(limits_.base) + " plus " + bytes_text(size) + " at the minimum rate of " +
           bytes_text(limits_.min_rate) + "/s)");
    }
    // The window restarts whenever the transfer changes phase: it judges a moving body only,
    // not the server's work between the request's last byte and the answer's first.
    Phase phase = downloaded > 0 ? Phase::receiving : uploading ? Phase::sending : Phase::waiting;
    std::int64_t moved = downloaded + uploaded;
    if (phase != phase_) {
      phase_ = phase;
      mark_time_ = now;
      mark_bytes_ = moved;
      return;
    }
    if (phase == Phase::waiting || now - mark_time_ < limits_.window)
      return;
    auto seconds = std::chrono::duration<double>(now - mark_time_).count();
    if (static_cast<double>(moved - mark_bytes_) <
        static_cast<double>(limits_.min_rate) * seconds) {
      fail("moved " + bytes_text(moved - mark_bytes_) + " in " +
           duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(now - mark_time_)) +
           ", below the minimum average rate of " + bytes_text(limits_.min_rate) + "/s");
    }
    mark_time_ = now;
    mark_bytes_ = moved;
  }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { sending, waiting, receiving };

  [[noreturn]] void fail(const std::string& what) const {
    std::string cause = url_host(request_.url) + " " + what;
    throw NetworkError(request_.method + " " + url_for_message(request_.url) + " failed: " + cause,
                       NetworkError::Kind::transient, cause);
  }

  const TransferLimits& limits_;
  const Request& request_;
  Clock::time_point start_;
  Phase phase_ = Phase::waiting;
  Clock::time_point mark_time_;
  std::int64_t mark_bytes_ = 0;
};

// Per-request state the curl callbacks work on. Callbacks never let an exception cross into
// C: they park it here and make curl abort; send() rethrows it.
struct Transfer {
  const Request& request;
  Response& response;
  CURL* curl;
  Pace pace;
  std::unique_ptr<ByteReader> reader;
  bool reader_done = false;
  std::exception_ptr error;

  bool uploading() const {
    if (!reader || reader_done)
      return false;
    return request.body_size == Request::kUnknownSize ||
           response.bytes_sent < (request.body ? request.body_size : 0);
  }
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after a redirect or a 100 Continue): forget the previous one.
    t->response.headers.clear();
    t->response.body.clear();
    auto sp = line.find(' ');
    if (sp != std::string_view::npos)
      t->response.status = std::atol(line.substr(sp + 1).data());
    return line.size();
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->response.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                     std::string(trim(line.substr(colon + 1))));
  }
  return line.size();
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  try {
    if (t->request.sink && status >= 200 && status < 300) {
      t->request.sink(std::span(reinterpret_cast<const std::byte*>(data), n));
    } else {
      if (t->response.body.size() + n > kMaxCollectedBody) {
        throw Error("the response from " + url_for_message(t->request.url) + " is larger than " +
                    std::to_string(kMaxCollectedBody >> 20) + " MiB");
      }
      t->response.body.append(data, n);
    }
  } catch (...) {
    t->error = std::current_exception();
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  return n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  try {
    std::size_t n = t->reader->read(std::span(reinterpret_cast<std::byte*>(buffer), size * count));
    t->response.bytes_sent += static_cast<std::int64_t>(n);
    t->reader_done = n == 0;
    if (t->request.body_size != Request::kUnknownSize &&
        (t->response.bytes_sent > t->request.body_size ||
         (n == 0 && t->response.bytes_sent != t->request.body_size))) {
      throw Error("the request body for " + url_for_message(t->request.url) + " had " +
                  std::to_string(t->response.bytes_sent) + " bytes instead of " +
                  std::to_string(t->request.body_size));
    }
    return n;
  } catch (...) {
    t->error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

int on_progress(void* user, curl_off_t download_total, curl_off_t downloaded, curl_off_t,
                curl_off_t uploaded) {
  auto* t = static_cast<Transfer*>(user);
  try {
    t->pace.check(download_total, downloaded, uploaded, t->uploading());
  } catch (...) {
    t->error = std::current_exception();
    return 1;  // makes curl abort with CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

CURLcode on_ssl_context(CURL*, void* ssl_ctx, void* user) {
  const auto* ca_file = static_cast<const std::filesystem::path*>(user);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  return X509_STORE_load_file(store, ca_file->c_str()) == 1 ? CURLE_OK : CURLE_SSL_CACERT_BADFILE;
}

// Failures worth another try: the network or the server's process, not the request.
bool is_transient(CURLcode rc) {
  return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR ||
         rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
         rc == CURLE_COULDNT_RESOLVE_HOST;
}

NetworkError::Kind kind_of(CURLcode rc) {
  if (rc == CURLE_PEER_FAILED_VERIFICATION)
    return NetworkError::Kind::certificate_rejected;
  return is_transient(rc) ? NetworkError::Kind::transient : NetworkError::Kind::permanent;
}

void check(CURLcode rc) {
  if (rc != CURLE_OK)
    throw Error(std::string("libcurl: ") + curl_easy_strerror(rc));
}

}  // namespace

std::string header_value(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name))
      return v;
  }
  return {};
}

std::size_t StringReader::read(std::span<std::byte> buf) {
  std::size_t n = std::min(buf.size(), data_.size());
  std::memcpy(buf.data(), data_.data(), n);
  data_.remove_prefix(n);
  return n;
}

struct HttpClient::Handle {
  CURL* curl = nullptr;
  Handle() : curl(curl_easy_init()) {
    if (curl == nullptr)
      throw Error("libcurl could not create a handle");
  }
  ~Handle() { curl_easy_cleanup(curl); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
  global_init();
  if (!options_.ca_file.empty() && !std::ifstream(options_.ca_file).good()) {
    throw InputError("cannot read the CA file " + options_.ca_file.string(),
                     "--ca-file takes a PEM file with one or more CA certificates");
  }
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      // Resets options but keeps the handle's live connections and TLS session cache.
      curl_easy_reset(h->curl);
      return h;
    }
  }
  return std::make_unique<Handle>();
}

void HttpClient::release(std::unique_ptr<Handle> handle) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(handle));
}

Response HttpClient::send(const Request& request) {
  auto handle = acquire();
  Response response = perform(*handle, request);
  if (request.follow_redirects) {
    Request hop;
    for (int redirects = 0; is_redirect(response.status); ++redirects) {
      if (redirects == kMaxRedirects) {
        std::string cause = "more than " + std::to_string(kMaxRedirects) + " redirects";
        throw NetworkError(
            request.method + " " + url_for_message(request.url) + " failed: " + cause,
            NetworkError::Kind::permanent, cause);
      }
      hop = redirected(redirects == 0 ? request : hop, response, request.url);
      if (request.check_redirect)
        request.check_redirect(hop.url);
      curl_easy_reset(handle->curl);
      response = perform(*handle, hop);
    }
  }
  release(std::move(handle));
  return response;
}

Response HttpClient::perform(Handle& handle, const Request& request) {
  CURL* c = handle.curl;
  Response response;
  Transfer t{request, response, c, Pace(options_.limits, request), nullptr, false, nullptr};

  check(curl_easy_setopt(c, CURLOPT_URL, request.url.c_str()));
  check(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https"));
  check(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
  check(curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L));
  check(curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str()));
  check(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout.count())));
  // A stall is less than one byte per second over stall_timeout.
  check(curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L));
  check(curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                         std::max(1L, static_cast<long>(options_.stall_timeout.count() / 1000))));
  if (!options_.ca_file.empty()) {
    check(curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_context));
    check(curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &options_.ca_file));
  }
  // Larger than curl's 16/64 KiB defaults: fewer callbacks and syscalls per GiB of blob.
  check(curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024));
  check(curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024));
  check(curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header));
  check(curl_easy_setopt(c, CURLOPT_HEADERDATA, &t));
  check(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body));
  check(curl_easy_setopt(c, CURLOPT_WRITEDATA, &t));
  check(curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L));
  check(curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress));
  check(curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t));
  if (request.decode_content)
    check(curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""));
  // Chosen for this hop's own host only; redirects never carry them further (redirect.h).
  if (!options_.netrc.empty() && header_value(request.headers, "Authorization").empty() &&
      !url_has_credentials(request.url)) {
    if (auto login = options_.netrc.lookup(url_host(request.url))) {
      check(curl_easy_setopt(c, CURLOPT_USERNAME, login->login.c_str()));
      check(curl_easy_setopt(c, CURLOPT_PASSWORD, login->password.c_str()));
    }
  }

  if (request.method == "HEAD") {
    check(curl_easy_setopt(c, CURLOPT_NOBODY, 1L));
  } else if (request.method == "GET") {
    check(curl_easy_setopt(c, CURLOPT_HTTPGET, 1L));
  } else {
    // Every other method goes out as an "upload" so the body streams from the reader; with
    // no body it is an empty upload, which sends "Content-Length: 0".
    if (request.body)
      t.reader = request.body();
    if (!t.reader)
      t.reader = std::make_unique<StringReader>("");
    check(curl_easy_setopt(c, CURLOPT_UPLOAD, 1L));
    check(curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str()));
    check(curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                           static_cast<curl_off_t>(request.body ? request.body_size : 0)));
    check(curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read));
    check(curl_easy_setopt(c, CURLOPT_READDATA, &t));
  }

  Slist headers;
  for (const auto& [k, v] : request.headers) {
    std::string line = k + ": " + v;
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr)
      throw Error("out of memory building HTTP headers");
    (void)headers.release();
    headers.reset(next);
  }
  check(curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()));

  char errbuf[CURL_ERROR_SIZE] = {};
  check(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf));
  CURLcode rc = curl_easy_perform(c);
  // The handle must not keep pointers to this frame's state when it goes back to the pool.
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  char* effective = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) {
    response.url = effective;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);

  if (t.error)
    std::rethrow_exception(t.error);
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    throw NetworkError(request.method + " " + url_for_message(request.url) + " failed: " + detail,
                       kind_of(rc), detail);
  }
  if (request.method == "HEAD")
    response.body.clear();
  return response;
}

}  // namespace stowage::net
