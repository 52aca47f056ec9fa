/* The process-start floor of `make bench`: the least a program can cost to spawn and reap. No
 * C library (a libc's start-up is the program's own work: glibc's probes the CPU with CPUID,
 * which traps on a virtual machine), one page of code, one system call: exit_group(0). */
#if defined(__x86_64__)
__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile("mov $231, %eax\n\t" /* __NR_exit_group */
			 "xor %edi, %edi\n\t"
			 "syscall");
}
#elif defined(__aarch64__)
__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile("mov x8, #94\n\t" /* __NR_exit_group */
			 "mov x0, #0\n\t"
			 "svc #0");
}
#else
// cppcheck-suppress preprocessorErrorDirective
#error "bench/noop.c: no exit_group for this architecture"
#endif
