#ifndef UPLOADEDGE_CCURL_SHIM_H
#define UPLOADEDGE_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call. These wrappers fix the
// argument type per call so the Swift side stays type-checked.

typedef size_t (*ue_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*ue_curl_trailer_callback)(struct curl_slist **list, void *userdata);

static inline CURLcode ue_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ue_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ue_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ue_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ue_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ue_curl_setopt_callback(CURL *handle, CURLoption option, ue_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ue_curl_setopt_trailer_callback(CURL *handle, ue_curl_trailer_callback value) {
    return curl_easy_setopt(handle, CURLOPT_TRAILERFUNCTION, value);
}

/// Shares the connection pool between the easy handles that use `share` (one thread at a time: no lock callbacks).
static inline CURLSHcode ue_curl_share_connections(CURLSH *share) {
    return curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

static inline CURLcode ue_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
