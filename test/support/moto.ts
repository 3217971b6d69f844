// moto_server on loopback; the launcher lives with local mode (`albatross dev` starts it too).
export * from '../../cli/dev/moto';
