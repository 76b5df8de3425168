#include "python/http.h"

#include <curl/curl.h>

#include <cstdlib>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace stowage::python {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct StreamState {
  const std::function<void(std::span<const std::byte>)>* sink;
  long status = 0;
  CURL* curl;
  std::exception_ptr failure;
};

std::size_t stream_to_sink(char* data, std::size_t size, std::size_t n, void* user) {
  auto* state = static_cast<StreamState*>(user);
  curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &state->status);
  if (state->status >= 300)
    return size * n;  // an error page: drop it
  try {
    (*state->sink)(std::as_bytes(std::span(data, size * n)));
  } catch (...) {
    state->failure = std::current_exception();
    return 0;  // aborts the transfer
  }
  return size * n;
}

bool retryable(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT ||
         code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING ||
         code == CURLE_PARTIAL_FILE || code == CURLE_COULDNT_RESOLVE_HOST;
}

}  // namespace

struct HttpClient::Impl {
  HttpOptions options;
  std::unique_ptr<CURL, CurlDeleter> curl;
  std::string netrc;

  void reset(const std::string& url) {
    CURL* c = curl.get();
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
    // A stalled transfer (under 1 KiB/s for a minute) is a failure, not a hang.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "stowage");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (!options.ca_file.empty())
      curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL));
    if (!netrc.empty())
      curl_easy_setopt(c, CURLOPT_NETRC_FILE, netrc.c_str());
  }

  // Runs the prepared transfer with retries on connection failures and 5xx answers.
  long perform(const std::string& url, const std::function<void()>& before_attempt) {
    char error[CURL_ERROR_SIZE] = {};
    CURLcode code = CURLE_OK;
    long status = 0;
    for (int attempt = 0; attempt <= options.retries; ++attempt) {
      if (attempt > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
      before_attempt();
      curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
      code = curl_easy_perform(curl.get());
      if (code == CURLE_OK) {
        curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
        if (status < 500)
          return status;
      } else if (!retryable(code)) {
        break;
      }
    }
    if (code == CURLE_OK)
      return status;
    throw Error("cannot fetch " + redact_url(url) + ": " +
                    (error[0] != '\0' ? std::string(error) : curl_easy_strerror(code)),
                "check the index URL and the network");
  }
};

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->options = std::move(options);
  impl_->curl.reset(curl_easy_init());
  if (!impl_->curl)
    throw Error("cannot initialise libcurl");
  if (!impl_->options.netrc.empty()) {
    impl_->netrc = impl_->options.netrc.string();
  } else if (const char* env = std::getenv("NETRC"); env != nullptr && *env != '\0') {
    impl_->netrc = env;
  }
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::get(const std::string& url, const std::vector<std::string>& headers) {
  HttpResponse response;
  impl_->reset(url);
  Slist list;
  for (const auto& h : headers) {
    curl_slist* appended = curl_slist_append(list.get(), h.c_str());
    if (appended == nullptr)
      throw Error("out of memory building HTTP headers");
    (void)list.release();
    list.reset(appended);
  }
  CURL* c = impl_->curl.get();
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  response.status = impl_->perform(url, [&] { response.body.clear(); });
  char* type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) {
    response.content_type = type;
  }
  char* effective = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK &&
      effective != nullptr) {
    response.url = effective;
  } else {
    response.url = url;
  }
  return response;
}

void HttpClient::stream(const std::string& url,
                        const std::function<void(std::span<const std::byte>)>& sink,
                        const std::function<void()>& restart) {
  impl_->reset(url);
  StreamState state{&sink, 0, impl_->curl.get(), nullptr};
  CURL* c = impl_->curl.get();
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_to_sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &state);
  long status = 0;
  try {
    status = impl_->perform(url, [&] {
      state.status = 0;
      restart();
    });
  } catch (const Error&) {
    if (state.failure)
      std::rethrow_exception(state.failure);
    throw;
  }
  if (state.failure)
    std::rethrow_exception(state.failure);
  if (status < 200 || status >= 300) {
    throw Error("cannot download " + redact_url(url) + ": HTTP " + std::to_string(status),
                status == 401 || status == 403
                    ? "the index wants credentials: put them in ~/.netrc (or $NETRC)"
                    : "check that the index still serves this file");
  }
}

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos)
    return std::string(url);
  auto authority_end = url.find_first_of("/?#", scheme + 3);
  auto at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < scheme)
    return std::string(url);
  return std::string(url.substr(0, scheme + 3)) + "***@" + std::string(url.substr(at + 1));
}

std::string resolve_url(const std::string& base, const std::string& reference) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u)
    throw Error("out of memory parsing a URL");
  if (curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(u.get(), CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK) {
    throw Error("cannot resolve the link " + redact_url(reference) + " on " + redact_url(base));
  }
  char* out = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &out, 0) != CURLUE_OK || out == nullptr) {
    throw Error("cannot resolve the link " + redact_url(reference));
  }
  std::string result(out);
  curl_free(out);
  return result;
}

}  // namespace stowage::python
