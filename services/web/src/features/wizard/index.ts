export { WizardPage } from './components/WizardPage';
