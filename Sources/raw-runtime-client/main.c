// The emulator's ceiling: the least a Runtime API client can do per invocation, over one blocking socket.
//
// It reads AWS_LAMBDA_RUNTIME_API, then loops: GET /next, read the headers and body, POST the same body back to
// /invocation/{id}/response, read the 202. No HTTP library, no allocation per invocation. The benchmark runs it
// beside real runtimes so their cost can be read as a multiple of this floor.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 16384
#define BODY_MAX (7 * 1024 * 1024)

static char head[HEAD_MAX];
static char body[BODY_MAX];
static size_t pending_start, pending_end;  // bytes read past the previous response

static void fail(const char *what) {
    perror(what);
    exit(2);
}

static void send_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t written = send(fd, data, length, MSG_NOSIGNAL);
        if (written <= 0) fail("send");
        data += written;
        length -= (size_t)written;
    }
}

// Reads one HTTP response into head/body. Returns the body length; copies the request id header if asked.
static size_t read_response(int fd, char *request_id, size_t request_id_size) {
    size_t filled = 0;
    char *end_of_head = NULL;
    // Bytes left over from the previous read come first.
    if (pending_end > pending_start) {
        filled = pending_end - pending_start;
        memmove(head, head + pending_start, filled);
    }
    pending_start = pending_end = 0;
    for (;;) {
        head[filled] = 0;
        end_of_head = strstr(head, "\r\n\r\n");
        if (end_of_head) break;
        if (filled >= HEAD_MAX - 1) {
            fprintf(stderr, "response head too large\n");
            exit(2);
        }
        ssize_t got = recv(fd, head + filled, HEAD_MAX - 1 - filled, 0);
        if (got <= 0) fail("recv head");
        filled += (size_t)got;
    }
    size_t head_length = (size_t)(end_of_head - head) + 4;
    size_t content_length = 0;
    for (char *line = strstr(head, "\r\n") + 2; line < end_of_head; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, "content-length:", 15) == 0) {
            content_length = strtoul(line + 15, NULL, 10);
        } else if (request_id && strncasecmp(line, "lambda-runtime-aws-request-id:", 30) == 0) {
            char *value = line + 30;
            while (*value == ' ') value++;
            size_t length = strcspn(value, "\r");
            if (length >= request_id_size) length = request_id_size - 1;
            memcpy(request_id, value, length);
            request_id[length] = 0;
        }
    }
    if (content_length > BODY_MAX) {
        fprintf(stderr, "body too large\n");
        exit(2);
    }
    size_t have = filled - head_length;
    if (have > content_length) {
        // Part of the next response arrived too; keep it.
        memcpy(body, head + head_length, content_length);
        pending_start = head_length + content_length;
        pending_end = filled;
        return content_length;
    }
    memcpy(body, head + head_length, have);
    while (have < content_length) {
        ssize_t got = recv(fd, body + have, content_length - have, 0);
        if (got <= 0) fail("recv body");
        have += (size_t)got;
    }
    return content_length;
}

int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api) {
        fprintf(stderr, "AWS_LAMBDA_RUNTIME_API is not set\n");
        return 2;
    }
    char host[256];
    const char *colon = strrchr(api, ':');
    if (!colon || (size_t)(colon - api) >= sizeof host) {
        fprintf(stderr, "AWS_LAMBDA_RUNTIME_API must be host:port\n");
        return 2;
    }
    memcpy(host, api, (size_t)(colon - api));
    host[colon - api] = 0;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        fprintf(stderr, "AWS_LAMBDA_RUNTIME_API host must be an IPv4 address\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) fail("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) fail("connect");

    char next_request[512];
    int next_length = snprintf(
        next_request, sizeof next_request,
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
    char request_id[128];
    char post_head[512];
    for (;;) {
        send_all(fd, next_request, (size_t)next_length);
        request_id[0] = 0;
        size_t length = read_response(fd, request_id, sizeof request_id);
        int post_length = snprintf(
            post_head, sizeof post_head,
            "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
            request_id, api, length);
        send_all(fd, post_head, (size_t)post_length);
        send_all(fd, body, length);
        read_response(fd, NULL, 0);
    }
}
