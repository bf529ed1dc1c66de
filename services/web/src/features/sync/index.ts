export { SyncPage } from './components/SyncPage';
