/* Errors: every failure logs its Anchor-format line once ("AnchorError occurred. Error Code:
 * <Name>. Error Number: <n>. Error Message: <msg>."), then returns its custom code. Only
 * failures call fail(), so the success path pays nothing for the longer line. */
#include "program.h"
#include "sessions_error_table.h"

u64 fail(u64 code) {
    if (code >= ERR_FIRST && code <= ERR_LAST) {
        const char *message = ERROR_MESSAGES[code - ERR_FIRST];
        u64 len = 0;
        while (message[len] != 0) len++;
        sol_log_(message, len);
    }
    return code;
}
