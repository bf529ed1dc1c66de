export { EmergencyAccessPage } from './components/EmergencyAccessPage';
