export { ME_KEY, signInUrl, useLogout, useMe, type Me } from './api/auth';
export { SignedOutPage } from './components/SignedOutPage';
export { SignInPage } from './components/SignInPage';
