/** An unused loopback TCP port, chosen by the kernel. */
export declare function freePort(): Promise<number>;
