/* The floor of any launcher: a C program that starts and exits. */
int main(void) { return 0; }
